/**
 * Run-time checks of option objects, for callers the type checker does not reach (plain
 * JavaScript, or values typed `any`). A non-object where an options object belongs, an unknown
 * key or a value of the wrong type is a {@link ConfigError} whose one-line message names the call
 * and the option and says what is expected; an unknown key gets a suggestion (dtpyfw's
 * snake_case name, a misspelling, or an option of another call). No dependencies.
 */
import { ConfigError } from './errors.js';

/** How one option is checked. */
export interface Rule {
  /** What the option must be, completing "option `x` must be …": "an integer >= 1". */
  readonly expected: string;
  /**
   * `true` when the value fits; otherwise `false` (the message then shows the value) or a short
   * text that says what is wrong instead. Never called with `undefined` (always "the default").
   */
  readonly test: (value: unknown) => boolean | string;
  /** `null` means the default, like `undefined`. */
  readonly nullable?: boolean;
  /** The value is never shown in a message (a password). */
  readonly secret?: boolean;
}

/** Another library's name for one of our options (dtpyfw's snake_case), with a unit note. */
export interface Alias {
  /** Our option. */
  readonly use: string;
  /** Whose name it is, as messages say it: "dtpyfw's name". */
  readonly source?: string;
  /** Shown after our name, in parentheses: "milliseconds, not seconds". */
  readonly note?: string;
}

/** The options object of one call. */
export interface OptionsSpec<T extends object> {
  /** The call, as messages show it: "subscribe()", "new RedisInstance()". */
  readonly call: string;
  /** Which argument the options object is: "second". */
  readonly argument: string;
  /** What the argument may be, when more than an options object. @default 'an options object' */
  readonly takes?: string;
  /** The example shown for a non-object argument, chosen from it: "{ startFromLatest: false }". */
  readonly example: (got: unknown) => string;
  /** One rule per option. */
  readonly rules: { readonly [K in keyof T]-?: Rule };
  /** dtpyfw's names (or other well-known ones) for our options: unknown here, with a hint. */
  readonly aliases?: Readonly<Record<string, Alias>>;
  /** Keys that are refused with an explanation rather than a suggestion ("cluster"). */
  readonly unsupported?: Readonly<Record<string, string>>;
  /** Other calls, so a key of one given to another is pointed to the right call. */
  readonly related?: () => readonly RelatedSpec[];
  /** `null` as the whole argument means "all defaults", like `undefined`. @default false */
  readonly nullIsDefault?: boolean;
}

/** What {@link OptionsSpec.related} needs of another call. */
export interface RelatedSpec {
  readonly call: string;
  readonly rules: object;
  readonly aliases?: Readonly<Record<string, Alias>>;
}

/**
 * Checks an options argument and returns its known options, read once, with `null` values of
 * nullable options left out (so `??` defaults apply). `undefined` means all defaults.
 * @throws ConfigError on a non-object, an unknown key or a value that does not fit its rule.
 */
export function checkOptions<T extends object>(spec: OptionsSpec<T>, options: unknown): T {
  if (options === undefined || (options === null && spec.nullIsDefault === true)) return {} as T;
  if (!isOptionsObject(options)) {
    throw new ConfigError(
      `${spec.call} takes ${spec.takes ?? 'an options object'} as its ${spec.argument} argument, such as ${spec.example(options)}; got ${describe(options)}`,
    );
  }
  const rules = spec.rules as Readonly<Record<string, Rule>>;
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(rules, key)) throw new ConfigError(`${spec.call}: ${unknownKey(spec, key)}`);
  }
  const out: Record<string, unknown> = {};
  const source = options as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(rules)) {
    const rule = rules[key] as Rule;
    const value = source[key];
    if (value === undefined || (value === null && rule.nullable === true)) continue;
    const verdict = rule.test(value);
    if (verdict === true) {
      out[key] = value;
      continue;
    }
    let detail: string;
    if (rule.secret === true) detail = ' (the value is not shown)';
    else detail = `; ${verdict === false ? `got ${describe(value)}` : verdict}`;
    throw new ConfigError(`${spec.call}: option \`${key}\` must be ${rule.expected}${detail}`);
  }
  return out as T;
}

/**
 * The known key `key` was most likely meant as: the same name in another case or in snake_case or
 * kebab-case (`max_len` → `maxLen`), else the closest by edit distance (at most 2, and less than
 * either name's length). `undefined` when none is close.
 */
export function suggest(key: string, known: readonly string[]): string | undefined {
  const norm = normalize(key);
  const same = known.find((k) => normalize(k) === norm);
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance && d < Math.min(key.length, k.length)) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * A short, one-line description of a value for messages: strings quoted and cut at 40 characters,
 * objects by kind only (their content is never shown).
 */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return 'a function';
    case 'undefined':
    case 'number':
    case 'boolean':
      return String(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `an array (length ${value.length})`;
      const name = constructorName(value);
      if (name === undefined || name === 'Object') return 'an object';
      return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
    }
  }
}

// ---- rules -------------------------------------------------------------------------------------

/** An integer in `[min, max]`; `null` means the default. `note` follows the maximum in messages. */
export function integer(min: number, max?: number, note = ''): Rule {
  return {
    expected: max === undefined ? `an integer >= ${min}` : `an integer >= ${min} and at most ${max}${note}`,
    test: (v) => typeof v === 'number' && Number.isInteger(v) && v >= min && (max === undefined || v <= max),
    nullable: true,
  };
}

/** A number `> 0` and at most `max`; `null` means the default. */
export function positiveNumber(max: number): Rule {
  return {
    expected: `a number > 0 and at most ${max}`,
    test: (v) => typeof v === 'number' && v > 0 && v <= max,
    nullable: true,
  };
}

/** `true` or `false`. */
export function boolean(): Rule {
  return { expected: 'a boolean (true or false)', test: (v) => typeof v === 'boolean' };
}

/** A function; `expected` shows its shape: "a function (payload, name) => key". */
export function func(expected = 'a function'): Rule {
  return { expected, test: (v) => typeof v === 'function' };
}

/** A string, non-empty unless `allowEmpty`; `secret` keeps it out of messages. */
export function string(options: { allowEmpty?: boolean; secret?: boolean; nullable?: boolean } = {}): Rule {
  const allowEmpty = options.allowEmpty === true;
  return {
    expected: allowEmpty ? 'a string' : 'a non-empty string',
    test: (v) => typeof v === 'string' && (allowEmpty || v !== ''),
    ...(options.secret === true ? { secret: true } : {}),
    ...(options.nullable === true ? { nullable: true } : {}),
  };
}

/** One of the given strings (case-sensitive); `null` means the default. */
export function oneOf(allowed: readonly string[]): Rule {
  return {
    expected: `one of ${allowed.map((a) => `'${a}'`).join(', ')}`,
    test: (v) => typeof v === 'string' && allowed.includes(v),
    nullable: true,
  };
}

/** An AbortSignal (or a look-alike: `aborted` and `addEventListener`); `null` means none. */
export function abortSignal(): Rule {
  return {
    expected: 'an AbortSignal (such as controller.signal)',
    test: (v) =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as { aborted?: unknown }).aborted === 'boolean' &&
      typeof (v as { addEventListener?: unknown }).addEventListener === 'function',
    nullable: true,
  };
}

/**
 * An object with these methods (inherited ones count, as in a class instance); `null` means the
 * default. `name` is the option, for the detail: "`logger.debug` is not a function".
 */
export function withMethods(name: string, methods: readonly string[], expected: string): Rule {
  return {
    expected,
    test: (v) => {
      if ((typeof v !== 'object' && typeof v !== 'function') || v === null || Array.isArray(v)) return false;
      const missing = methods.find((m) => typeof (v as Record<string, unknown>)[m] !== 'function');
      return missing === undefined
        ? true
        : `\`${name}.${missing}\` is ${describe((v as Record<string, unknown>)[missing])}`;
    },
    nullable: true,
  };
}

/**
 * An object of optional callbacks: each of `keys` it has is a function, and it has no other own
 * key (a misspelled callback would never be called); `null` means none.
 */
export function callbacks(name: string, keys: readonly string[]): Rule {
  return {
    expected: `an object of optional functions (${keys.join(', ')})`,
    test: (v) => {
      if (!isOptionsObject(v)) return false;
      const record = v as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        if (keys.includes(key)) continue;
        const near = suggest(key, keys);
        return `\`${name}.${showKey(key)}\` is not one of them${near === undefined ? '' : `; did you mean \`${near}\`?`}`;
      }
      const bad = keys.find((k) => record[k] !== undefined && typeof record[k] !== 'function');
      return bad === undefined ? true : `\`${name}.${bad}\` is ${describe(record[bad])}`;
    },
    nullable: true,
  };
}

/** Any of the given rules; `expected` describes them together. */
export function either(expected: string, ...rules: readonly Rule[]): Rule {
  return {
    expected,
    test: (v) => rules.some((r) => r.test(v) === true),
    nullable: rules.some((r) => r.nullable === true),
  };
}

/** A plain object (not an array, a Map, a Buffer, a Promise, an AbortSignal...); `null` means none. */
export function plainObject(expected = 'an object'): Rule {
  return { expected, test: isOptionsObject, nullable: true };
}

// ---- internals ---------------------------------------------------------------------------------

/** Built-in objects that are never options objects, though `typeof` says 'object'. */
const NOT_OPTIONS: ReadonlyArray<abstract new (...args: never[]) => unknown> = [
  Map,
  Set,
  WeakMap,
  WeakSet,
  Date,
  RegExp,
  Promise,
  Error,
  ArrayBuffer,
  AbortSignal,
  URL,
];

/** Whether `value` can be an options object: an object, but none of the built-ins above. */
function isOptionsObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) return false;
  return !NOT_OPTIONS.some((type) => value instanceof type);
}

function unknownKey<T extends object>(spec: OptionsSpec<T>, key: string): string {
  const shown = `\`${showKey(key)}\``;
  const head = `unknown option ${shown}`;
  const unsupported = lookup(spec.unsupported, key);
  if (unsupported !== undefined) return `option ${shown}: ${unsupported}`;
  const alias = lookup(spec.aliases, key);
  if (alias !== undefined) {
    const whose = alias.source === undefined ? '' : `${shown} is ${alias.source}: `;
    return `${head}; ${whose}use \`${alias.use}\`${note(alias)}`;
  }
  const own = Object.keys(spec.rules);
  const same = own.find((k) => normalize(k) === normalize(key));
  if (same !== undefined) return `${head}; did you mean \`${same}\`?`;
  for (const other of spec.related?.() ?? []) {
    if (other.call === spec.call) continue;
    const theirs = Object.keys(other.rules).find((k) => normalize(k) === normalize(key));
    if (theirs !== undefined) return `${head}; \`${theirs}\` is an option of ${other.call}, not of ${spec.call}`;
    const otherAlias = lookup(other.aliases, key);
    if (otherAlias !== undefined) {
      const whose = otherAlias.source === undefined ? '' : `${shown} is ${otherAlias.source}: `;
      return `${head}; ${whose}use \`${otherAlias.use}\` of ${other.call}${note(otherAlias)}`;
    }
  }
  const near = suggest(key, own);
  if (near !== undefined) return `${head}; did you mean \`${near}\`?`;
  return `${head}; the options are ${own.join(', ')}`;
}

function note(alias: Alias): string {
  return alias.note === undefined ? '' : ` (${alias.note})`;
}

/** An own entry by exact key, else by the key in lower case. */
function lookup<V>(table: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  if (table === undefined) return undefined;
  if (Object.hasOwn(table, key)) return table[key];
  const lower = key.toLowerCase();
  return Object.hasOwn(table, lower) ? table[lower] : undefined;
}

/** Case, `_` and `-` do not count: `MAX_LEN`, `max-len` and `maxlen` all give `maxlen`. */
function normalize(key: string): string {
  return key.replace(/[_-]/g, '').toLowerCase();
}

/** A key as messages show it: as it is when it looks like a name, else quoted and cut short. */
function showKey(key: string): string {
  return /^[\w$.-]{1,60}$/.test(key) ? key : describe(key);
}

function constructorName(value: object): string | undefined {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null) return undefined;
  const ctor = (proto as { constructor?: unknown }).constructor;
  if (typeof ctor !== 'function') return undefined;
  const name = (ctor as { name?: unknown }).name;
  return typeof name === 'string' && /^[\w$]{1,40}$/.test(name) ? name : undefined;
}

/** Edit distance with adjacent transpositions counting 1 (`hots` → `host` is 1). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const prev = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

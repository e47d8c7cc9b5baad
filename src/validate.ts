/**
 * Run-time checks of option objects, for callers the type checker does not reach (plain
 * JavaScript, or values typed `any`). A non-object where an options object belongs, an unknown
 * key or a value of the wrong type is a {@link ConfigError} whose one-line message names the call
 * and the option and says what is expected; an unknown key gets a suggestion (dtpyfw's
 * snake_case name, a misspelling, or an option of another call). The rules of single options are in
 * rules.ts. No dependencies.
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
  /**
   * Options that have no default: each must be given (not `null`), so the argument must be too.
   * @default []
   */
  readonly required?: readonly (keyof T & string)[];
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
  const required = spec.required ?? [];
  const allDefaults = options === undefined || (options === null && spec.nullIsDefault === true);
  if (allDefaults && required.length === 0) return {} as T;
  if (allDefaults || !isOptionsObject(options)) {
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
  const missing = required.find((key) => out[key] === undefined);
  if (missing !== undefined) {
    const rule = rules[missing] as Rule;
    throw new ConfigError(
      `${spec.call}: option \`${missing}\` is required: ${rule.expected}, such as ${spec.example(options)}`,
    );
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
export function isOptionsObject(value: unknown): value is object {
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
export function lookup<V>(table: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  if (table === undefined) return undefined;
  if (Object.hasOwn(table, key)) return table[key];
  const lower = key.toLowerCase();
  return Object.hasOwn(table, lower) ? table[lower] : undefined;
}

/** Case, `_` and `-` do not count: `MAX_LEN`, `max-len` and `maxlen` all give `maxlen`. */
export function normalize(key: string): string {
  return key.replace(/[_-]/g, '').toLowerCase();
}

/** A key as messages show it: as it is when it looks like a name, else quoted and cut short. */
export function showKey(key: string): string {
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

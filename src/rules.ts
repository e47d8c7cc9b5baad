/**
 * The rules of single options (see validate.ts): what each kind of option must be, and how a value
 * that is not is described in a message.
 */
import { describe, isOptionsObject, lookup, normalize, showKey, suggest, type Rule } from './validate.js';

/** An integer in `[min, max]`; `null` means the default. `note` follows the maximum in messages. */
export function integer(min: number, max?: number, note = ''): Rule {
  return {
    expected: max === undefined ? `an integer >= ${min}` : `an integer >= ${min} and at most ${max}${note}`,
    test: (v) => typeof v === 'number' && Number.isInteger(v) && v >= min && (max === undefined || v <= max),
    nullable: true,
  };
}

/** The longest delay a Node.js timer takes (longer ones fire at once). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A whole number of ms that a timer can wait for (Node fires longer delays at once). */
export function timer(min: number): Rule {
  return integer(min, MAX_TIMER_MS, ' (about 24.8 days)');
}

/**
 * A stream entry id, complete (`1700000000000-0`) or its time part alone (`1700000000000`), as
 * XRANGE takes it; with `range`, also `-` (the first) and an id after `(` (exclusive). `null` means
 * the default.
 */
export function streamId(range = false): Rule {
  const id = /^\d{1,20}(-\d{1,20})?$/;
  return {
    expected: range
      ? 'a stream entry id such as "1700000000000-0" (after "(" to exclude it), or "-"'
      : 'a stream entry id such as "1700000000000-0"',
    test: (v) =>
      typeof v === 'string' && (id.test(v) || (range && (v === '-' || (v.startsWith('(') && id.test(v.slice(1)))))),
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

/**
 * One of the given strings (case-sensitive); `null` means the default. A string that is not one of
 * them gets the closest one as a suggestion ("did you mean 'monitor'?"), or the hint `hints` has
 * for it (looked up without case, `-` and `_`: `read-only` finds `readonly`).
 */
export function oneOf(allowed: readonly string[], hints: Readonly<Record<string, string>> = {}): Rule {
  return {
    expected: `one of ${allowed.map((a) => `'${a}'`).join(', ')}`,
    test: (v) => {
      if (typeof v !== 'string') return false;
      if (allowed.includes(v)) return true;
      const hint = lookup(hints, normalize(v));
      if (hint !== undefined) return `got ${describe(v)}: ${hint}`;
      const near = suggest(v, allowed);
      return near === undefined ? false : `got ${describe(v)}; did you mean '${near}'?`;
    },
    nullable: true,
  };
}

/**
 * A non-empty array of non-empty strings, without holes; `expected` says what they are. A single
 * string gets the array it was most likely meant as for a suggestion.
 */
export function stringList(expected: string): Rule {
  return {
    expected,
    test: (v) => {
      if (typeof v === 'string' && v !== '') return `got ${describe(v)}; did you mean [${JSON.stringify(v)}]?`;
      if (!Array.isArray(v) || v.length === 0) return false;
      const list = v as readonly unknown[];
      for (let i = 0; i < list.length; i++) {
        const item = list[i];
        if (!(i in list)) return `got an array with a hole at [${i}]`;
        if (typeof item !== 'string' || item === '') return `got ${describe(item)} at [${i}]`;
      }
      return true;
    },
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

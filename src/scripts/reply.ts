/**
 * Checks of the shapes Lua scripts reply with. Every script reply goes through these once, in the
 * script's typed wrapper, so no caller casts a reply: a reply of another shape (a script changed
 * without its wrapper, a proxy that mangles replies) is an {@link UnexpectedReplyError}, not a
 * silent `undefined` further on.
 */
import { UnexpectedReplyError } from '../errors.js';

/** A reply checker: returns the value typed, or throws. */
export type Check<T> = (value: unknown, what: string) => T;

function fail(what: string, expected: string, value: unknown): never {
  let shown: string;
  try {
    shown = JSON.stringify(value)?.slice(0, 80) ?? String(value);
  } catch {
    shown = typeof value;
  }
  throw new UnexpectedReplyError(`${what}: expected ${expected}, got ${shown}`);
}

/** A bulk string. */
export const str: Check<string> = (v, what) => (typeof v === 'string' ? v : fail(what, 'a string', v));

/** An integer reply (a number), or a string holding one. */
export const int: Check<number> = (v, what) => {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return fail(what, 'an integer', v);
};

/** A nil reply (Lua false) or a value. */
export function orNull<T>(check: Check<T>): Check<T | null> {
  return (v, what) => (v === null ? null : check(v, what));
}

/** Whether `v` is a string. */
function isString(v: unknown): v is string {
  return typeof v === 'string';
}

/** Whether `v` is an array of strings. */
function isStrings(v: unknown): v is string[] {
  if (!Array.isArray(v)) return false;
  for (const item of v) if (typeof item !== 'string') return false;
  return true;
}

/** Whether `v` is a stream entry `[id, [field, value, ...]]`. */
function isEntry(v: unknown): v is readonly [string, string[]] {
  return Array.isArray(v) && v.length >= 2 && typeof v[0] === 'string' && isStrings(v[1]);
}

/**
 * An array whose items all pass `check`. Lists of strings and of entries (a batch's ids, a read's
 * entries) are checked with a loop of type tests: the labels that name an item are only written
 * for the error.
 */
export function list<T>(check: Check<T>): Check<T[]> {
  const each = (v: unknown[], what: string): T[] => v.map((item: unknown, i) => check(item, `${what}[${i}]`));
  const valid =
    check === (str as Check<unknown>) ? isString : check === (entry as Check<unknown>) ? isEntry : undefined;
  return (v, what) => {
    if (!Array.isArray(v)) return fail(what, 'an array', v);
    if (valid === undefined) return each(v, what);
    const out = new Array<T>(v.length);
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      out[i] = valid(item) ? copyOf<T>(item) : check(item, `${what}[${i}]`);
    }
    return out;
  };
}

/** A valid string or entry as its checker returns it (an entry's field list copied). */
function copyOf<T>(item: unknown): T {
  if (typeof item === 'string') return item as T;
  const [id, fields] = item as readonly [string, string[]];
  return [id, fields.slice()] as unknown as T;
}

/** A fixed-length array, each position with its own check. */
export function tuple<T extends unknown[]>(...checks: { [K in keyof T]: Check<T[K]> }): Check<T> {
  return (v, what) => {
    if (!Array.isArray(v) || v.length < checks.length) return fail(what, `an array of ${checks.length}`, v);
    return checks.map((check, i) => check(v[i], `${what}[${i}]`)) as T;
  };
}

/** A stream entry as XREADGROUP/XRANGE give it: `[id, [field, value, ...]]`. */
export const entry: Check<readonly [string, readonly string[]]> = (v, what) => {
  if (isEntry(v)) return [v[0], v[1].slice()] as const;
  if (!Array.isArray(v) || v.length < 2) return fail(what, 'a stream entry [id, fields]', v);
  return [str(v[0], `${what} id`), list(str)(v[1], `${what} fields`)] as const;
};

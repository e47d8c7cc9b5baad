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

/** An array whose items all pass `check`. */
export function list<T>(check: Check<T>): Check<T[]> {
  return (v, what) => {
    if (!Array.isArray(v)) return fail(what, 'an array', v);
    return v.map((item: unknown, i) => check(item, `${what}[${i}]`));
  };
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
  if (!Array.isArray(v) || v.length < 2) return fail(what, 'a stream entry [id, fields]', v);
  return [str(v[0], `${what} id`), list(str)(v[1], `${what} fields`)] as const;
};

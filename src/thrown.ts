/**
 * What a thrown value says, as text, for values that are not Errors (a handler may throw a string,
 * an object, `undefined`): what dead letters, logs and spans record of it. A leaf module.
 */

/** The longest text kept of a thrown value (a large object is cut, ending with `…`). */
const MAX_LENGTH = 500;

/**
 * A thrown value as text: an Error's message; a string as it is; a plain object or array as JSON
 * (`{"code":42}`); anything else as `String()` gives it (`undefined`, `10`, `[object Map]`, or
 * what its own `toString()` says). Cut to 500 characters. A thrown object's fields are written as
 * they are: throw Errors, not objects holding secrets.
 */
export function describeThrown(value: unknown): string {
  if (value instanceof Error) return cut(value.message);
  if (typeof value === 'string') return cut(value);
  if (typeof value !== 'object' || value === null) return safeString(value);
  const proto: unknown = Object.getPrototypeOf(value);
  const plain = proto === Object.prototype || proto === null || Array.isArray(value);
  if (!plain) return safeString(value);
  try {
    const json = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    return cut(json ?? safeString(value));
  } catch {
    return safeString(value); // a cycle
  }
}

function safeString(value: unknown): string {
  try {
    return cut(String(value));
  } catch {
    return Object.prototype.toString.call(value); // an object without a prototype
  }
}

function cut(text: string): string {
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text;
}

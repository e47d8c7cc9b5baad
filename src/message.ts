/**
 * The Message type and the wire codec, compatible with dtpyfw 0.6.x (see the README, "Working with dtpyfw").
 *
 * On the wire an entry is `XADD <channel> * name <name> body <json> [<extra field> <value>]...`.
 * dtpyfw writes exactly `name` then `body`; it ignores any other field, so this library may add
 * metadata fields.
 *
 * Writing ({@link encodeMessage}) gives compact JSON, with raw (UTF-8) non-ASCII characters, and
 * writes NaN, Infinity and -Infinity as the bare tokens `NaN`, `Infinity` and `-Infinity`, as
 * dtpyfw does (Python's `json.dumps` default `allow_nan=True`); Python's `json.loads` reads them.
 * A body JSON would silently change (a Map written as `{}`, a function in an array written as
 * `null`) is rejected instead; see {@link encodeMessage}.
 *
 * Reading accepts what Python's `json.dumps(..., default=str)` writes, including the bare tokens
 * `NaN`, `Infinity` and `-Infinity`, which `JSON.parse` rejects. Numbers are JavaScript numbers
 * (doubles), as with `JSON.parse`: an integer above 2^53 (Python ints have no size limit) is read
 * as the nearest double and loses precision, and a number beyond the range of a double (`1e400`,
 * or a 400-digit Python int) is read as `Infinity` (or `-Infinity`).
 */
import { DecodeError, InvalidMessageError, MessageTooLargeError } from './errors.js';
import { encodeBody } from './json-body.js';
import { parseBody } from './python-json.js';
import { describe } from './validate.js';

export { parseBody };

/** An event: a name (such as `order.created`) and a JSON body. */
export class Message<Body = unknown> {
  /** The event name; handlers registered with `{ name }` only get messages of that name. */
  readonly name: string;
  /**
   * The payload: JSON data, written as compact JSON (NaN, Infinity and -Infinity as bare tokens, as
   * dtpyfw writes them). A value JSON would silently change (a Map, a function in an array) is
   * refused when the message is published.
   */
  readonly body: Body;

  /**
   * @param name the event name: a string (checked here; it must also be valid Unicode, checked
   *   when the message is published).
   * @param body the payload; what JSON cannot write as it is is refused when it is published.
   * @throws InvalidMessageError when `name` is not a string.
   */
  constructor(name: string, body: Body) {
    if (typeof name !== 'string') {
      throw new InvalidMessageError(`new Message(): the name (first argument) must be a string; got ${describe(name)}`);
    }
    this.name = name;
    this.body = body;
  }
}

/** A {@link Message} or a plain object of the same shape. */
export interface MessageLike {
  /** The event name. */
  readonly name: string;
  /** The payload: JSON data, as {@link Message.body} says. */
  readonly body: unknown;
}

/** Extra stream fields one message may carry (hooks add them: trace context, schema version). */
export const MAX_EXTRA_FIELDS = 1000;

/** The stream field that carries a message's idempotency key (dtpyfw ignores it). */
export const IDEMPOTENCY_FIELD = 'rs-idempotency-key';

/** The field names dtpyfw reads. */
export const NAME_FIELD = 'name';
/** The field holding the JSON body. */
export const BODY_FIELD = 'body';

/**
 * Encodes a message into XADD field/value arguments: `name`, `body`, then `extraFields` in order.
 *
 * The body is written as `JSON.stringify` writes it (compact, raw non-ASCII characters, `toJSON`
 * honoured, so a Date is its ISO string), with these differences, so that a consumer never gets
 * other data than was published without being told:
 *
 * - NaN, Infinity and -Infinity (anywhere, also as the whole body) are written as the bare tokens
 *   `NaN`, `Infinity` and `-Infinity`, as dtpyfw writes them, rather than as `null`. Python's
 *   `json.loads` and this library's readers give them back; a reader using plain `JSON.parse`
 *   rejects such a body.
 * - A value JSON would write as something else is rejected with an {@link InvalidMessageError}
 *   naming its path (such as `body.items[2] is a Map`): a Map, Set, WeakMap, WeakSet, WeakRef,
 *   RegExp, Promise, ArrayBuffer, SharedArrayBuffer, typed array, DataView, Map or Set iterator,
 *   generator or boxed Symbol (all written as `{}`, a non-empty typed array as `{"0":...}`), a
 *   BigInt (which `JSON.stringify` throws on), a circular reference, and a function or symbol that
 *   is an array element or the whole body (written as `null`, or nothing). An object with a
 *   `toJSON` method is checked as what its `toJSON` returns, so a Date or a Decimal-like class
 *   keeps working. These types are caught by what JSON writes for them: one that also carries its
 *   own enumerable properties (a Map subclass with fields) is written as those properties, as
 *   `JSON.stringify` does.
 *   `undefined` or a hole as an array element (which JSON writes as `null`: `[1, undefined]` would
 *   arrive as `[1, null]`) is rejected the same way.
 * - Kept as JSON does: an object property whose value is `undefined`, a function or a symbol is
 *   left out (`{ a: undefined }` is written `{}`, whose `a` reads `undefined` all the same); -0 is
 *   written `0`; any other object is written as its own enumerable string-keyed properties.
 *
 * A body whose JSON holds `null`, `{}` or `{"0":` is checked by a second pass over it, which reads
 * getters and calls `toJSON` methods again: they must give the same value each time.
 *
 * Throws {@link InvalidMessageError} for a name that is not a string or not valid Unicode (a lone
 * surrogate), a body as above (and `undefined` as the whole body), and {@link MessageTooLargeError}
 * above `maxBytes` (name plus body, in UTF-8 bytes).
 */
export function encodeMessage(
  message: MessageLike,
  maxBytes: number,
  extraFields?: Readonly<Record<string, string>>,
): string[] {
  if (message === null || typeof message !== 'object') {
    throw new InvalidMessageError('a message must be a Message or an object { name, body }');
  }
  const { name, body } = message;
  if (typeof name !== 'string') {
    throw new InvalidMessageError(`message name must be a string, got ${typeof name}`);
  }
  if (name === '') {
    throw new InvalidMessageError(
      'message name must not be empty: handlers, contracts and patterns select events by it',
    );
  }
  // A lone surrogate is sent as U+FFFD: the consumer would get another name than was published.
  if (!name.isWellFormed()) {
    throw new InvalidMessageError(
      `message name ${describe(name)} is not valid Unicode (it has a lone surrogate, which Redis would store as U+FFFD)`,
    );
  }
  const json = encodeBody(name, body);
  if (exceeds(name, json, maxBytes)) {
    throw new MessageTooLargeError(
      `message "${name}" is ${Buffer.byteLength(name) + Buffer.byteLength(json)} bytes, above maxMessageBytes ${maxBytes}`,
    );
  }
  const fields = [NAME_FIELD, name, BODY_FIELD, json];
  if (extraFields !== undefined) {
    if (Object.keys(extraFields).length > MAX_EXTRA_FIELDS) {
      throw new InvalidMessageError(`a message may carry at most ${MAX_EXTRA_FIELDS} extra fields`);
    }
    for (const key in extraFields) {
      // Reserved: the message's own name and body, and the idempotency key only a publish sets.
      if (key === NAME_FIELD || key === BODY_FIELD || key === IDEMPOTENCY_FIELD) continue;
      const value: unknown = extraFields[key];
      if (value === undefined) continue;
      fields.push(key, fieldText(key, value));
    }
  }
  return fields;
}

/**
 * An extra field's value as written: a string as it is, a finite number, a boolean or a bigint as
 * its text (what a JavaScript hook means by it); anything else would be written as text such as
 * "[object Object]", so it is refused, as is a name or a string with a lone surrogate (written as
 * U+FFFD).
 */
function fieldText(key: string, value: unknown): string {
  if (!key.isWellFormed() || (typeof value === 'string' && !value.isWellFormed())) {
    throw new InvalidMessageError(
      `extra field ${describe(key)} is not valid Unicode (a lone surrogate, which Redis would store as U+FFFD)`,
    );
  }
  if (typeof value === 'string') return value;
  if (
    (typeof value === 'number' && Number.isFinite(value)) ||
    typeof value === 'boolean' ||
    typeof value === 'bigint'
  ) {
    return String(value);
  }
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  throw new InvalidMessageError(`extra field "${key}" must be a string, got ${got}`);
}

/** A decoded entry: its name, parsed body and the fields other than name and body. */
export interface DecodedEntry {
  /** The event name. */
  readonly name: string;
  /** The parsed JSON body. */
  readonly body: unknown;
  /** Every other field of the entry (metadata added by producers), as strings. */
  readonly fields: Readonly<Record<string, string>>;
}

const NO_FIELDS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Decodes the flat field list of a stream entry (`[k1, v1, k2, v2, ...]`). As in dtpyfw, a field
 * that appears twice keeps its last value. Throws {@link DecodeError} with the reason.
 */
export function decodeFields(raw: readonly string[], maxBytes: number): DecodedEntry {
  let name: string | undefined;
  let body: string | undefined;
  let extra: Record<string, string> | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i] as string;
    const value = raw[i + 1] as string;
    if (key === NAME_FIELD) name = value;
    else if (key === BODY_FIELD) body = value;
    else (extra ??= {})[key] = value;
  }
  if (name === undefined) throw new DecodeError('missing-name', 'entry has no "name" field');
  if (body === undefined) throw new DecodeError('missing-body', 'entry has no "body" field');
  if (exceeds(name, body, maxBytes)) {
    throw new DecodeError(
      'too-large',
      `entry is ${Buffer.byteLength(name) + Buffer.byteLength(body)} bytes, above maxMessageBytes ${maxBytes}`,
    );
  }
  return { name, body: parseBody(body), fields: extra ?? NO_FIELDS };
}

/** True when the text holds U+FFFD, which is what invalid UTF-8 turns into when decoded. */
export function mayHoldInvalidUtf8(raw: readonly string[]): boolean {
  for (const value of raw) if (value.includes('\uFFFD')) return true;
  return false;
}

function exceeds(name: string, body: string, maxBytes: number): boolean {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: skip the exact count when it cannot matter.
  if ((name.length + body.length) * 3 <= maxBytes) return false;
  return Buffer.byteLength(name) + Buffer.byteLength(body) > maxBytes;
}

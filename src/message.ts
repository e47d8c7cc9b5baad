/**
 * The Message type and the wire codec, compatible with dtpyfw (dtpyfw-behaviour.md §1).
 *
 * On the wire an entry is `XADD <channel> * name <name> body <json> [<extra field> <value>]...`.
 * dtpyfw writes exactly `name` then `body`; it ignores any other field, so this library may add
 * metadata fields. Reading accepts what Python's `json.dumps(..., default=str)` writes, including
 * the bare tokens `NaN`, `Infinity` and `-Infinity`, which `JSON.parse` rejects.
 */
import { DecodeError, InvalidMessageError, MessageTooLargeError } from './errors.js';

/** An event: a name (such as `order.created`) and a JSON-serialisable body. */
export class Message<Body = unknown> {
  /** The event name; handlers registered with `{ name }` only get messages of that name. */
  readonly name: string;
  /** The payload; it must survive `JSON.stringify`. */
  readonly body: Body;

  constructor(name: string, body: Body) {
    this.name = name;
    this.body = body;
  }
}

/** A {@link Message} or a plain object of the same shape. */
export interface MessageLike {
  /** The event name. */
  readonly name: string;
  /** The JSON-serialisable payload. */
  readonly body: unknown;
}

/** Extra stream fields one message may carry (hooks add them: trace context, schema version). */
export const MAX_EXTRA_FIELDS = 1000;

/** The field names dtpyfw reads. */
export const NAME_FIELD = 'name';
/** The field holding the JSON body. */
export const BODY_FIELD = 'body';

/**
 * Encodes a message into XADD field/value arguments: `name`, `body`, then `extraFields` in order.
 * Throws {@link InvalidMessageError} for a non-string name or a body JSON cannot represent, and
 * {@link MessageTooLargeError} above `maxBytes` (name plus body, in UTF-8 bytes).
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
  let json: string | undefined;
  try {
    json = JSON.stringify(body);
  } catch (err) {
    throw new InvalidMessageError(`message body of "${name}" is not JSON-serialisable: ${String(err)}`, {
      cause: err,
    });
  }
  if (json === undefined) {
    throw new InvalidMessageError(`message body of "${name}" is not JSON-serialisable (got ${typeof body})`);
  }
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
      if (key === NAME_FIELD || key === BODY_FIELD) continue;
      const value = extraFields[key];
      if (value !== undefined) fields.push(key, value);
    }
  }
  return fields;
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

/** Parses a body as JSON, accepting Python's `NaN`, `Infinity` and `-Infinity` tokens. */
export function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // The placeholder carries a random part, so no string of the body can be mistaken for one.
    const sentinel = `\u0000rs-${Math.random().toString(36).slice(2)}:`;
    const rewritten = rewritePythonTokens(text, sentinel);
    if (rewritten !== undefined) {
      try {
        return JSON.parse(rewritten, (_key, value: unknown) => revivePythonToken(value, sentinel));
      } catch {
        // fall through to the original error, which points at the real problem
      }
    }
    throw new DecodeError('invalid-json', `body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

const TOKENS: ReadonlyArray<readonly [string, number]> = [
  ['-Infinity', -Infinity],
  ['Infinity', Infinity],
  ['NaN', NaN],
];

/**
 * Replaces the bare tokens NaN, Infinity and -Infinity that stand outside JSON strings with
 * `sentinel` strings. Returns undefined when there is none, so the caller keeps the first error.
 */
function rewritePythonTokens(text: string, sentinel: string): string | undefined {
  let out = '';
  let from = 0;
  let inString = false;
  let found = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c /* \ */) i++;
      else if (ch === 0x22 /* " */) inString = false;
      continue;
    }
    if (ch === 0x22) {
      inString = true;
      continue;
    }
    if (ch !== 0x2d /* - */ && ch !== 0x49 /* I */ && ch !== 0x4e /* N */) continue;
    for (const [token] of TOKENS) {
      if (text.startsWith(token, i)) {
        out += `${text.slice(from, i)}"${JSON.stringify(sentinel + token).slice(1, -1)}"`;
        i += token.length - 1;
        from = i + 1;
        found = true;
        break;
      }
    }
  }
  return found ? out + text.slice(from) : undefined;
}

function revivePythonToken(value: unknown, sentinel: string): unknown {
  if (typeof value !== 'string' || !value.startsWith(sentinel)) return value;
  const token = value.slice(sentinel.length);
  for (const [name, number] of TOKENS) if (name === token) return number;
  return value;
}

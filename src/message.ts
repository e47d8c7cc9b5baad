/**
 * The Message type and the wire codec, compatible with dtpyfw (dtpyfw-behaviour.md §1).
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
import { types } from 'node:util';
import { DecodeError, InvalidMessageError, MessageTooLargeError } from './errors.js';

/** An event: a name (such as `order.created`) and a JSON body (see {@link encodeMessage}). */
export class Message<Body = unknown> {
  /** The event name; handlers registered with `{ name }` only get messages of that name. */
  readonly name: string;
  /** The payload: JSON data; {@link encodeMessage} says what is written and what is rejected. */
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
  /** The payload (JSON data, see {@link encodeMessage}). */
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
 * - Kept as JSON does: an object property whose value is `undefined`, a function or a symbol is
 *   left out (`{ a: undefined }` is written `{}`); `undefined` as an array element (or a hole) is
 *   written `null`; -0 is written `0`; any other object is written as its own enumerable
 *   string-keyed properties.
 *
 * A body whose JSON holds `null`, `{}` or `{"0":` is checked by a second pass over it, which reads
 * getters and calls `toJSON` methods again: they must give the same value each time.
 *
 * Throws {@link InvalidMessageError} for a non-string name or a body as above (and `undefined` as
 * the whole body), and {@link MessageTooLargeError} above `maxBytes` (name plus body, in UTF-8
 * bytes).
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
      if (key === NAME_FIELD || key === BODY_FIELD) continue;
      const value = extraFields[key];
      if (value !== undefined) fields.push(key, value);
    }
  }
  return fields;
}

/**
 * The body as JSON text (see {@link encodeMessage}). The common body costs plain `JSON.stringify`
 * and a scan of its output: every silent change JSON makes leaves `null` (NaN, ±Infinity, a
 * function or symbol in an array), `{}` (a Map, Set, RegExp...) or `{"0":` (a typed array) in the
 * output. Only an output holding one of these (a real `null` or `{}` too), or a throw, goes to the
 * careful path: a walk over the body that checks every value as JSON sees it (so it calls getters
 * and `toJSON` methods a second time, and expects the same values) and notes which `null` of the
 * output stands for NaN or an infinity, to be rewritten as its token.
 */
function encodeBody(name: string, body: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(body);
  } catch (err) {
    // A BigInt, a cycle, or a toJSON or getter that throws: the walk names the path.
    checkBody(name, body, err);
    throw new InvalidMessageError(`message body of "${name}" is not JSON-serialisable: ${String(err)}`, {
      cause: err,
    });
  }
  if (json !== undefined && !json.includes('null') && !json.includes('{}') && !json.includes('{"0":')) return json;
  const { tokens, nulls } = checkBody(name, body, undefined);
  if (json === undefined) {
    throw new InvalidMessageError(`message body of "${name}" is not JSON-serialisable (got ${typeof body})`);
  }
  if (tokens.length === 0) return json;
  const written = writeTokens(json, tokens, nulls);
  if (written === undefined) {
    throw new InvalidMessageError(
      `message body of "${name}" changed while it was encoded (a getter or toJSON gave another value)`,
    );
  }
  return written;
}

/**
 * Walks the body as `JSON.stringify` does (`toJSON` first, then boxed primitives unwrapped, own
 * enumerable string keys) and throws an {@link InvalidMessageError} naming the path of the first
 * value JSON would change. Returns how many `null`s JSON writes and which of them stand for NaN
 * or an infinity (see {@link Walk}). `failure` is the error `JSON.stringify` threw, kept as the
 * cause.
 */
function checkBody(name: string, body: unknown, failure: unknown): Walk {
  const walk: Walk = { holders: [], keys: [], nulls: 0, tokens: [] };
  try {
    visit(walk, body, '');
  } catch (err) {
    if (err instanceof Rejected) {
      const text = `message body of "${name}": ${err.message}`;
      throw new InvalidMessageError(text, failure === undefined ? undefined : { cause: failure });
    }
    // A toJSON method or a getter threw.
    throw new InvalidMessageError(`message body of "${name}" is not JSON-serialisable: ${String(err)}`, {
      cause: err,
    });
  }
  return walk;
}

/** The state of {@link checkBody}. */
interface Walk {
  /** The objects and arrays being written, outermost first. */
  readonly holders: object[];
  /** The key of each value in its holder (`keys[i]` in `holders[i]`). */
  readonly keys: Array<string | number>;
  /** How many `null`s JSON writes before the current value (in all, once the walk is over). */
  nulls: number;
  /** Pairs: the index (among those `null`s) of one standing for NaN or an infinity, and its token. */
  readonly tokens: Array<number | string>;
}

/** Notes a number JSON writes: a NaN or an infinity is written as `null`, to be rewritten. */
function visitNumber(walk: Walk, value: number): void {
  if (Number.isFinite(value)) return;
  walk.tokens.push(walk.nulls++, Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity');
}

/**
 * Rewrites the `null`s outside strings that `tokens` names (index, token, index, token...; the
 * indexes ascending) as their tokens. Undefined unless the text has `nulls` of them, as the walk
 * found: then a getter or `toJSON` gave JSON.stringify other values than the walk.
 */
function writeTokens(json: string, tokens: ReadonlyArray<number | string>, nulls: number): string | undefined {
  let out = '';
  let from = 0; // the text up to here is in `out`
  let at = 0; // where the search goes on
  let seen = 0; // the `null`s outside strings before `at`
  let next = 0; // the next pair of `tokens`
  let quote = json.indexOf('"');
  for (;;) {
    const nul = json.indexOf('null', at);
    if (nul === -1) break;
    if (quote !== -1 && quote < nul) {
      // Skip the string that opens at `quote`: find its closing quote, one not escaped.
      let end = quote + 1;
      for (;;) {
        end = json.indexOf('"', end);
        if (end === -1) return undefined;
        let backslashes = 0;
        while (json.charCodeAt(end - 1 - backslashes) === 0x5c /* \ */) backslashes++;
        if (backslashes % 2 === 0) break;
        end++;
      }
      at = end + 1;
      quote = json.indexOf('"', at);
      continue;
    }
    if (seen === tokens[next]) {
      out += json.slice(from, nul) + (tokens[next + 1] as string);
      from = nul + 4;
      next += 2;
    }
    seen++;
    at = nul + 4;
  }
  return seen === nulls && next === tokens.length ? out + json.slice(from) : undefined;
}

/** A value JSON would change, with its path; {@link checkBody} makes it an InvalidMessageError. */
class Rejected extends Error {
  constructor(walk: Walk, what: string, depth = walk.holders.length) {
    super(`${pathAt(walk, depth)} is ${what}`);
  }
}

function visit(walk: Walk, raw: unknown, key: string | number): void {
  let value = raw;
  if ((typeof value === 'object' && value !== null) || typeof value === 'bigint') {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') value = toJSON.call(value, String(key)) as unknown;
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      visitNumber(walk, value);
      return;
    case 'bigint':
      throw new Rejected(walk, 'a BigInt, which JSON cannot represent (convert it first: String(value))');
    case 'undefined':
    case 'function':
    case 'symbol': {
      // As a property JSON leaves it out, and writes `undefined` in an array as null.
      const holder = walk.holders[walk.holders.length - 1];
      if (holder !== undefined && !Array.isArray(holder)) return;
      if (holder !== undefined && value === undefined) {
        walk.nulls++;
        return;
      }
      const kind = value === undefined ? 'undefined' : `a ${typeof value}`;
      throw new Rejected(
        walk,
        `${kind}, which JSON ${holder === undefined ? 'cannot represent' : 'would write as null'}`,
      );
    }
    case 'object':
      if (value === null) walk.nulls++;
      else visitObject(walk, value);
      return;
  }
}

function visitObject(walk: Walk, value: object): void {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) {
    if (types.isBigIntObject(value)) throw new Rejected(walk, 'a BigInt object, which JSON cannot represent');
    const kind = unrepresentable(value);
    if (kind !== undefined && writtenAsEmptyOrElements(value)) throw new Rejected(walk, kind);
    // JSON writes a Number, String or Boolean object as its primitive: NaN in one is NaN.
    if (types.isNumberObject(value)) {
      visitNumber(walk, Number(value));
      return;
    }
    if (types.isStringObject(value) || types.isBooleanObject(value)) return;
  }
  const { holders, keys } = walk;
  const at = holders.indexOf(value);
  if (at !== -1) throw new Rejected(walk, `a circular reference (to ${pathAt(walk, at)})`);
  const depth = holders.push(value) - 1;
  keys.push('');
  if (Array.isArray(value)) {
    const length = value.length;
    for (let i = 0; i < length; i++) {
      keys[depth] = i;
      visit(walk, value[i], i);
    }
  } else {
    const record = value as Record<string, unknown>;
    const names = Object.keys(record);
    for (let i = 0; i < names.length; i++) {
      const k = names[i] as string;
      keys[depth] = k;
      visit(walk, record[k], k);
    }
  }
  holders.pop();
  keys.pop();
}

/** Types JSON writes as `{}` (their data is not in own enumerable properties), by name. */
const WRITTEN_AS_EMPTY: ReadonlyArray<readonly [(value: object) => boolean, string]> = [
  [types.isWeakMap, 'a WeakMap'],
  [types.isWeakSet, 'a WeakSet'],
  [(value) => value instanceof WeakRef, 'a WeakRef'],
  [types.isRegExp, 'a RegExp'],
  [types.isPromise, 'a Promise'],
  [types.isArrayBuffer, 'an ArrayBuffer'],
  [types.isSharedArrayBuffer, 'a SharedArrayBuffer'],
  [types.isMapIterator, 'a Map iterator'],
  [types.isSetIterator, 'a Set iterator'],
  [types.isGeneratorObject, 'a generator'],
  [types.isSymbolObject, 'a Symbol object'],
];

/** What JSON would write as something else, described (`a Map, which...`), or undefined. */
function unrepresentable(value: object): string | undefined {
  if (types.isMap(value)) return 'a Map, which JSON would write as {} (convert it first: Object.fromEntries(map))';
  if (types.isSet(value)) return 'a Set, which JSON would write as {} (convert it first: [...set])';
  if (types.isDataView(value)) return 'a DataView, which JSON would write as {}';
  if (types.isTypedArray(value)) {
    const kind = (value as unknown as Record<symbol, string>)[Symbol.toStringTag];
    return `a ${kind}, which JSON would write as an object of its elements (convert it first: Array.from(array))`;
  }
  for (const [is, kind] of WRITTEN_AS_EMPTY) if (is(value)) return `${kind}, which JSON would write as {}`;
  return undefined;
}

/**
 * True when JSON writes the object as `{}` or `{"0":...`: what the fast path looks for, so that
 * one of the types above that carries other own enumerable properties (a Map subclass with fields)
 * is written as those properties whichever path the body takes.
 */
function writtenAsEmptyOrElements(value: object): boolean {
  if (types.isTypedArray(value) && value.length > 0) return true;
  const keys = Object.keys(value);
  return keys.length === 0 || keys[0] === '0';
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The path of `holders[depth]` (`body` for the body itself), such as `body.items[2]`. */
function pathAt(walk: Walk, depth: number): string {
  let path = 'body';
  for (let i = 0; i < depth; i++) {
    const key = walk.keys[i] as string | number;
    path += typeof key === 'number' ? `[${key}]` : IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  }
  return path;
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

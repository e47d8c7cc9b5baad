/**
 * A message body as JSON text, written as dtpyfw writes it and never changed silently: NaN and
 * ±Infinity become the bare tokens Python's `json.dumps` writes, and a value JSON would turn into
 * something else (a Map written as `{}`, a function, `undefined` or a hole in an array written as
 * `null`) is an {@link InvalidMessageError} that names its path.
 */
import { types } from 'node:util';
import { InvalidMessageError } from './errors.js';

/**
 * The body as JSON text (see {@link encodeMessage}). The common body costs plain `JSON.stringify`
 * and a scan of its output: every silent change JSON makes leaves `null` (NaN, ±Infinity, a
 * function, symbol, `undefined` or hole in an array), `{}` (a Map, Set, RegExp...) or `{"0":` (a typed array) in the
 * output. Only an output holding one of these (a real `null` or `{}` too), or a throw, goes to the
 * careful path: a walk over the body that checks every value as JSON sees it (so it calls getters
 * and `toJSON` methods a second time, and expects the same values) and notes which `null` of the
 * output stands for NaN or an infinity, to be rewritten as its token.
 */
export function encodeBody(name: string, body: unknown): string {
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
      // As a property JSON leaves it out; in an array it writes null (a hole reads as undefined).
      const holder = walk.holders[walk.holders.length - 1];
      if (holder !== undefined && !Array.isArray(holder)) return;
      const kind =
        value === undefined ? (holder !== undefined && !(key in holder) ? 'a hole' : 'undefined') : `a ${typeof value}`;
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

/**
 * Stream ids as the store holds them: two numbers, compared as Redis compares its two 64-bit
 * parts. Parts are exact up to 2^53 - 1 (ids made from a millisecond clock are far below); the
 * largest part, 2^64 - 1 (what `+` and `>` stand for), is `Infinity`, so it still compares above
 * every other. Ids given with a part between 2^53 and 2^64 - 1 are refused with an error rather
 * than rounded. Parsing follows t_stream.c (streamGenericParseIDOrReply) of Redis 7.0.
 */
import { errors, ReplyError } from '../reply.js';

/** A stream id. */
export interface StreamId {
  readonly ms: number;
  readonly seq: number;
}

/** 2^64 - 1, the largest value of an id part. */
export const MAX_PART = Infinity;
/** 0-0. */
export const ZERO_ID: StreamId = { ms: 0, seq: 0 };
/** The largest id (`+`). */
export const MAX_ID: StreamId = { ms: MAX_PART, seq: MAX_PART };

const U64_MAX = '18446744073709551615';

/** -1, 0 or 1 as `a` is below, equal to or above `b`. */
export function compareIds(a: StreamId, b: StreamId): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

/** Whether the id is 0-0. */
export function isZero(id: StreamId): boolean {
  return id.ms === 0 && id.seq === 0;
}

function part(n: number): string {
  return n === MAX_PART ? U64_MAX : String(n);
}

/** The id as Redis writes it: `<ms>-<seq>`. */
export function formatId(id: StreamId): string {
  return `${part(id.ms)}-${part(id.seq)}`;
}

/** The id after `id`, or undefined past the largest (streamIncrID). */
export function nextId(id: StreamId): StreamId | undefined {
  if (id.seq === MAX_PART) return id.ms === MAX_PART ? undefined : { ms: id.ms + 1, seq: 0 };
  return { ms: id.ms, seq: id.seq + 1 };
}

/** The id before `id`, or undefined below 0-0 (streamDecrID). */
export function previousId(id: StreamId): StreamId | undefined {
  if (id.seq === 0) return id.ms === 0 ? undefined : { ms: id.ms - 1, seq: MAX_PART };
  return { ms: id.ms, seq: id.seq - 1 };
}

/**
 * An unsigned 64-bit number as Redis' string2ull reads it: the strict form (string2ll, non-negative),
 * else what strtoull accepts (leading spaces, a `+`, leading zeros). Undefined when invalid.
 */
export function parseU64(text: string): number | undefined {
  let digits: string;
  if (/^(0|[1-9]\d*)$/.test(text)) digits = text;
  else if (/^-(0|[1-9]\d*)$/.test(text)) return undefined;
  else {
    const loose = /^[ \t\n\v\f\r]*([+-]?)(\d+)$/.exec(text);
    if (loose === null) return undefined;
    digits = (loose[2] as string).replace(/^0+(?=\d)/, '');
    // strtoull negates a '-' number modulo 2^64: only -0 stays small.
    if (loose[1] === '-' && digits !== '0') throw errors.unmodelled('negative stream id parts');
  }
  if (digits.length <= 15) return Number(digits);
  const big = BigInt(digits);
  if (big <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(big);
  if (digits === U64_MAX) return MAX_PART;
  if (big > 18446744073709551615n) return undefined;
  throw errors.unmodelled('stream id parts between 2^53 and 2^64 - 1');
}

/** Options of {@link parseId}. */
export interface ParseIdOptions {
  /** The sequence of an id given as `<ms>` alone. */
  readonly missingSeq: number;
  /** `-` and `+` are refused (streamParseStrictIDOrReply). */
  readonly strict: boolean;
  /** `<ms>-*` is accepted (XADD): then `seqGiven` is false. */
  readonly seqStar?: boolean;
}

/** A parsed id, and whether its sequence was given (XADD's `<ms>-*` leaves it to the stream). */
export interface ParsedId {
  readonly id: StreamId;
  readonly seqGiven: boolean;
}

/** Parses a stream id argument, throwing Redis' error when it is not one. */
export function parseId(text: string, options: ParseIdOptions): ParsedId {
  if (text.length > 127) throw errors.invalidId();
  if (text === '-' || text === '+') {
    if (options.strict) throw errors.invalidId();
    return { id: text === '-' ? ZERO_ID : MAX_ID, seqGiven: true };
  }
  const dash = text.indexOf('-');
  const ms = parseU64(dash === -1 ? text : text.slice(0, dash));
  if (ms === undefined) throw errors.invalidId();
  if (dash === -1) return { id: { ms, seq: options.missingSeq }, seqGiven: true };
  const rest = text.slice(dash + 1);
  if (options.seqStar === true && rest === '*') return { id: { ms, seq: 0 }, seqGiven: false };
  const seq = parseU64(rest);
  if (seq === undefined) throw errors.invalidId();
  return { id: { ms, seq }, seqGiven: true };
}

/** `<ms>-<seq>` already as Redis writes it, both parts exact numbers: read without more checks. */
const CANONICAL = /^(0|[1-9]\d{0,14})-(0|[1-9]\d{0,14})$/;

/** A strict id (no `-`/`+`), as most stream commands take them. */
export function parseStrictId(text: string, missingSeq = 0): StreamId {
  const canonical = CANONICAL.exec(text);
  if (canonical !== null) return { ms: Number(canonical[1]), seq: Number(canonical[2]) };
  return parseId(text, { missingSeq, strict: true }).id;
}

/** A strict id and its text as Redis writes it (the argument itself when already written so). */
export function parseStrictIdKey(text: string): { id: StreamId; key: string } {
  const canonical = CANONICAL.exec(text);
  if (canonical !== null) return { id: { ms: Number(canonical[1]), seq: Number(canonical[2]) }, key: text };
  const id = parseStrictId(text);
  return { id, key: formatId(id) };
}

/** An interval bound of XRANGE/XPENDING/XAUTOCLAIM: `(` makes it exclusive (then strict). */
export function parseIntervalId(text: string, missingSeq: number): { id: StreamId; exclusive: boolean } {
  if (text.length > 1 && text.startsWith('(')) {
    return { id: parseId(text.slice(1), { missingSeq, strict: true }).id, exclusive: true };
  }
  return { id: parseId(text, { missingSeq, strict: false }).id, exclusive: false };
}

/** The start of a range from its argument: exclusive starts move to the next id. */
export function rangeStart(text: string): StreamId {
  const { id, exclusive } = parseIntervalId(text, 0);
  if (!exclusive) return id;
  const next = nextId(id);
  if (next === undefined) throw new ReplyError('ERR invalid start ID for the interval');
  return next;
}

/** The end of a range from its argument: exclusive ends move to the previous id. */
export function rangeEnd(text: string): StreamId {
  const { id, exclusive } = parseIntervalId(text, MAX_PART);
  if (!exclusive) return id;
  const previous = previousId(id);
  if (previous === undefined) throw new ReplyError('ERR invalid end ID for the interval');
  return previous;
}

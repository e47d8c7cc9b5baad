/** XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM (t_stream.c of Redis 7.0). */
import { errors, ReplyError, type Reply } from '../reply.js';
import { compareIds, isZero, MAX_PART, nextId, parseId, parseStrictId, rangeEnd, rangeStart } from '../store/ids.js';
import type { StreamId } from '../store/ids.js';
import { entriesReply } from '../store/reads.js';
import type { MemoryStore } from '../store/store.js';
import type { Stream } from '../store/stream.js';
import { arg, arity, fail, int, is, streamAt, type Handler } from './args.js';

/** A trim of XADD or XTRIM. */
export type Trim = { readonly maxLen: number } | { readonly minId: StreamId } | undefined;

interface AddOrTrim {
  trim: Trim;
  noMkStream: boolean;
  /** XADD: the position of the id argument. */
  idAt: number;
}

function trimValue(args: readonly string[], i: number, kind: 'MAXLEN' | 'MINID'): { trim: Trim; next: number } {
  let at = i + 1;
  const mark = args[at];
  if ((mark === '~' || mark === '=') && at + 1 < args.length) {
    if (mark === '~') throw errors.unmodelled('approximate trimming (~)');
    at++;
  }
  if (kind === 'MINID') return { trim: { minId: parseStrictId(arg(args, at)) }, next: at };
  const maxLen = int(args, at);
  if (maxLen < 0) fail('ERR The MAXLEN argument must be >= 0.');
  return { trim: { maxLen }, next: at };
}

/** `XADD key * ...`, by far the most common form: no options to parse. */
const PLAIN_ADD: AddOrTrim = Object.freeze({ trim: undefined, noMkStream: false, idAt: 1 });

/** streamParseAddOrTrimArgsOrReply: the options before XADD's id, or XTRIM's. */
function parseAddOrTrim(args: readonly string[], xadd: boolean): AddOrTrim {
  if (xadd && args[1] === '*') return PLAIN_ADD;
  const out: AddOrTrim = { trim: undefined, noMkStream: false, idAt: args.length };
  for (let i = 1; i < args.length; i++) {
    const opt = args[i] as string;
    const more = args.length - 1 - i;
    if (xadd && opt === '*') return { ...out, idAt: i };
    if ((is(opt, 'MAXLEN') || is(opt, 'MINID')) && more > 0) {
      if (out.trim !== undefined) {
        fail('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      }
      const parsed = trimValue(args, i, is(opt, 'MAXLEN') ? 'MAXLEN' : 'MINID');
      out.trim = parsed.trim;
      i = parsed.next;
    } else if (is(opt, 'LIMIT') && more > 0) {
      throw errors.unmodelled('LIMIT (approximate trimming)');
    } else if (xadd && is(opt, 'NOMKSTREAM')) {
      out.noMkStream = true;
    } else if (xadd) {
      return { ...out, idAt: i };
    } else {
      throw errors.syntax();
    }
  }
  if (!xadd && out.trim === undefined) fail('ERR syntax error, XTRIM must be called with a trimming strategy');
  return out;
}

/** Trims a stream; returns how many entries went. */
export function applyTrim(stream: Stream, trim: Trim): number {
  if (trim === undefined) return 0;
  return 'maxLen' in trim ? stream.trimToLength(trim.maxLen) : stream.trimBelow(trim.minId);
}

/** The id XADD gives a new entry (streamAppendItem), or throws Redis' error. */
function newId(store: MemoryStore, stream: Stream, given: { id: StreamId; seqGiven: boolean } | undefined): StreamId {
  let id: StreamId | undefined;
  if (given === undefined) {
    const ms = store.now();
    id = ms > stream.lastId.ms ? { ms, seq: 0 } : nextId(stream.lastId);
  } else if (given.seqGiven) {
    id = given.id;
  } else if (stream.lastId.ms === given.id.ms) {
    if (stream.lastId.seq === MAX_PART) throw tooSmall();
    id = nextId(stream.lastId);
  } else {
    id = given.id;
  }
  if (id === undefined || compareIds(id, stream.lastId) <= 0) throw tooSmall();
  return id;
}

function tooSmall(): ReplyError {
  return new ReplyError('ERR The ID specified in XADD is equal or smaller than the target stream top item');
}

/** XADD key [NOMKSTREAM] [MAXLEN|MINID [=] n] <*|id> field value [field value ...] */
export const xadd: Handler = (store, args) => {
  if (args.length < 4) throw errors.arity('xadd');
  const key = arg(args, 0);
  const parsed = parseAddOrTrim(args, true);
  const fieldCount = args.length - parsed.idAt - 1;
  if (fieldCount < 2 || fieldCount % 2 === 1) throw errors.arity('xadd');
  const idArg = arg(args, parsed.idAt);
  const given = idArg === '*' ? undefined : parseId(idArg, { missingSeq: 0, strict: true, seqStar: true });
  if (given?.seqGiven === true && isZero(given.id)) fail('ERR The ID specified in XADD must be greater than 0-0');
  return addEntry(store, key, parsed, given, args.slice(parsed.idAt + 1));
};

/** The append of XADD once its arguments are read: the new entry's id, or nil (NOMKSTREAM). */
function addEntry(
  store: MemoryStore,
  key: string,
  parsed: AddOrTrim,
  given: { id: StreamId; seqGiven: boolean } | undefined,
  fields: readonly string[],
): Reply {
  let stream = streamAt(store, key);
  if (stream === undefined) {
    if (parsed.noMkStream) return null;
    stream = store.keys.getOrCreate(key, 'stream');
  }
  if (stream.lastId.ms === MAX_PART && stream.lastId.seq === MAX_PART) {
    fail('ERR The stream has exhausted the last possible ID, unable to add more items');
  }
  const entry = stream.append(newId(store, stream, given), fields);
  applyTrim(stream, parsed.trim);
  store.signal(key);
  return entry.key;
}

/**
 * `XADD key * field value ...` with the fields in an array of their own (kept as the entry's field
 * list): the same checks, errors and effects as through {@link xadd}, without building the
 * command's argument list, for a script twin that appends a batch.
 */
export function xaddAuto(store: MemoryStore, key: string, fields: readonly string[]): Reply {
  if (fields.length < 2 || fields.length % 2 === 1) throw errors.arity('xadd');
  return addEntry(store, key, PLAIN_ADD, undefined, fields);
}

/** XLEN key */
export const xlen: Handler = (store, args) => {
  arity('xlen', args, 1);
  return streamAt(store, arg(args, 0))?.length ?? 0;
};

function rangeCommand(name: string, reverse: boolean): Handler {
  return (store, args) => {
    if (args.length < 3) throw errors.arity(name);
    const start = rangeStart(arg(args, reverse ? 2 : 1));
    const end = rangeEnd(arg(args, reverse ? 1 : 2));
    let count = -1;
    for (let j = 3; j < args.length; j++) {
      if (!is(args[j], 'COUNT') || j + 1 >= args.length) throw errors.syntax();
      count = Math.max(0, int(args, ++j));
    }
    const stream = streamAt(store, arg(args, 0));
    if (stream === undefined) return [];
    if (count === 0) return null;
    const n = count === -1 ? 0 : count;
    return entriesReply(reverse ? stream.reverseRange(end, start, n) : stream.range(start, end, n));
  };
}

/** XRANGE key start end [COUNT n] */
export const xrange = rangeCommand('xrange', false);
/** XREVRANGE key end start [COUNT n] */
export const xrevrange = rangeCommand('xrevrange', true);

/** XDEL key id [id ...] */
export const xdel: Handler = (store, args) => {
  if (args.length < 2) throw errors.arity('xdel');
  const stream = streamAt(store, arg(args, 0));
  if (stream === undefined) return 0;
  const ids = args.slice(1).map((id) => parseStrictId(id));
  let deleted = 0;
  let first = false;
  for (const id of ids) {
    if (!stream.delete(id)) continue;
    if (compareIds(id, stream.firstId) === 0) first = true;
    deleted++;
  }
  if (deleted > 0) stream.afterDelete(first);
  return deleted;
};

/** XTRIM key MAXLEN|MINID [=] threshold */
export const xtrim: Handler = (store, args) => {
  if (args.length < 3) throw errors.arity('xtrim');
  const parsed = parseAddOrTrim(args, false);
  const stream = streamAt(store, arg(args, 0));
  return stream === undefined ? 0 : applyTrim(stream, parsed.trim);
};

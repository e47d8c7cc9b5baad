/**
 * XREAD and XREADGROUP (xreadCommand of Redis 7.0): parsing, and serving at once what can be
 * served. Blocking is left to the caller: the dispatcher runs like a transaction (a read that would
 * block answers nil at once, as in MULTI), the port blocks the connection (store.block).
 */
import { errors, ReplyError, type Reply } from '../reply.js';
import type { ConsumerGroup } from '../store/groups.js';
import { compareIds, MAX_ID, nextId, parseStrictId, ZERO_ID, type StreamId } from '../store/ids.js';
import { advanceGroup } from '../store/lag.js';
import { entriesReply, entryReply } from '../store/reads.js';
import type { Consumer } from '../store/pel.js';
import type { MemoryStore } from '../store/store.js';
import type { Stream } from '../store/stream.js';
import { arg, int, is, streamAt, type Handler } from './args.js';

/** A parsed XREAD/XREADGROUP. */
export interface ReadCommand {
  readonly keys: string[];
  readonly ids: StreamId[];
  /** 0: no COUNT. */
  readonly count: number;
  /** -1: no BLOCK. */
  readonly blockMs: number;
  readonly group: { readonly name: string; readonly consumer: string; readonly noAck: boolean } | undefined;
}

interface Options {
  count: number;
  blockMs: number;
  group: { name: string; consumer: string } | undefined;
  noAck: boolean;
  streamsAt: number;
}

function parseOptions(args: readonly string[], xreadgroup: boolean): Options {
  const o: Options = { count: 0, blockMs: -1, group: undefined, noAck: false, streamsAt: -1 };
  for (let i = 0; i < args.length; i++) {
    const opt = args[i];
    const more = args.length - i - 1;
    if (is(opt, 'BLOCK') && more > 0) {
      o.blockMs = int(args, ++i, () => new ReplyError('ERR timeout is not an integer or out of range'));
      if (o.blockMs < 0) throw new ReplyError('ERR timeout is negative');
    } else if (is(opt, 'COUNT') && more > 0) o.count = Math.max(0, int(args, ++i));
    else if (is(opt, 'STREAMS') && more > 0) {
      o.streamsAt = i + 1;
      if ((args.length - o.streamsAt) % 2 !== 0) {
        throw new ReplyError(
          "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
        );
      }
      break;
    } else if (is(opt, 'GROUP') && more >= 2) {
      if (!xreadgroup)
        throw new ReplyError('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      o.group = { name: arg(args, i + 1), consumer: arg(args, i + 2) };
      i += 2;
    } else if (is(opt, 'NOACK')) {
      if (!xreadgroup)
        throw new ReplyError('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      o.noAck = true;
    } else throw errors.syntax();
  }
  if (o.streamsAt === -1) throw errors.syntax();
  if (xreadgroup && o.group === undefined) throw new ReplyError('ERR Missing GROUP option for XREADGROUP');
  return o;
}

function resolveId(store: MemoryStore, key: string, text: string, o: Options): StreamId {
  const stream = streamAt(store, key);
  if (o.group !== undefined && (stream === undefined || !stream.groups.has(o.group.name))) {
    throw new ReplyError(
      `NOGROUP No such key '${key}' or consumer group '${o.group.name}' in XREADGROUP with GROUP option`,
    );
  }
  if (text === '$') {
    if (o.group !== undefined) {
      throw new ReplyError(
        'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
      );
    }
    return stream?.lastId ?? ZERO_ID;
  }
  if (text === '>') {
    if (o.group === undefined) {
      throw new ReplyError(
        'ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.',
      );
    }
    return MAX_ID;
  }
  return parseStrictId(text);
}

/** Parses XREAD (`xreadgroup` false) or XREADGROUP arguments, resolving `$` and checking groups. */
export function parseRead(store: MemoryStore, args: readonly string[], xreadgroup: boolean): ReadCommand {
  if (args.length < (xreadgroup ? 6 : 3)) throw errors.arity(xreadgroup ? 'xreadgroup' : 'xread');
  const o = parseOptions(args, xreadgroup);
  const n = (args.length - o.streamsAt) / 2;
  const keys = args.slice(o.streamsAt, o.streamsAt + n);
  const ids = keys.map((key, i) => resolveId(store, key, arg(args, o.streamsAt + n + i), o));
  const group = o.group === undefined ? undefined : { ...o.group, noAck: o.noAck };
  return { keys, ids, count: o.count, blockMs: o.blockMs, group };
}

/** One stream's share of a read: its reply `[key, entries]`, or undefined when it has nothing now. */
function serveStream(store: MemoryStore, read: ReadCommand, i: number): Reply | undefined {
  const key = read.keys[i] as string;
  const stream = streamAt(store, key);
  if (stream === undefined) return undefined;
  let after = read.ids[i] as StreamId;
  if (read.group === undefined) {
    if (stream.length === 0 || compareIds(stream.lastLiveId(), after) <= 0) return undefined;
    return [key, entriesReply(readRange(stream, after, read.count))];
  }
  const group = stream.groups.get(read.group.name) as ConsumerGroup;
  const history = after !== MAX_ID;
  if (!history) {
    if (stream.length === 0 || compareIds(stream.lastLiveId(), group.lastId) <= 0) return undefined;
    after = group.lastId;
  }
  const consumer = group.lookupOrCreate(read.group.consumer, store.now());
  if (history) return [key, readHistory(store, stream, group, consumer, after, read.count)];
  return [key, readNew(store, stream, group, consumer, after, read.group.noAck, read.count)];
}

function readRange(stream: Stream, after: StreamId, count: number): ReturnType<Stream['range']> {
  const start = nextId(after);
  return start === undefined ? [] : stream.range(start, MAX_ID, count);
}

/** `>`: new entries, each added to the PEL (unless NOACK) and moving the group's position. */
function readNew(
  store: MemoryStore,
  stream: Stream,
  group: ConsumerGroup,
  consumer: Consumer,
  after: StreamId,
  noAck: boolean,
  count: number,
): Reply[] {
  const entries = readRange(stream, after, count);
  const now = store.now();
  for (const entry of entries) {
    if (compareIds(entry.id, group.lastId) > 0) advanceGroup(stream, group, entry.id);
    if (noAck) continue;
    const nack = group.pel.get(entry.key);
    if (nack === undefined) group.pel.add(entry.id, consumer, now, entry.key);
    else {
      group.pel.reassign(nack, consumer);
      nack.deliveryTime = now;
      nack.deliveryCount = 1;
    }
  }
  return entriesReply(entries);
}

/** An id other than `>`: the consumer's own pending entries from `after` on (inclusive of the next id). */
function readHistory(
  store: MemoryStore,
  stream: Stream,
  group: ConsumerGroup,
  consumer: Consumer,
  after: StreamId,
  count: number,
): Reply[] {
  const out: Reply[] = [];
  const start = nextId(after);
  if (start === undefined) return out;
  const now = store.now();
  for (let nack = group.pel.seek(start); nack !== undefined; nack = seekAfter(group, nack.id)) {
    if (nack.consumer !== consumer) continue;
    const entry = stream.get(nack.id);
    if (entry === undefined) out.push([nack.key, null]);
    else {
      nack.deliveryTime = now;
      nack.deliveryCount++;
      out.push(entryReply(entry));
    }
    if (out.length === count) break;
  }
  return out;
}

function seekAfter(group: ConsumerGroup, id: StreamId): ReturnType<ConsumerGroup['pel']['seek']> {
  const next = nextId(id);
  return next === undefined ? undefined : group.pel.seek(next);
}

/** Serves a parsed read at once: the streams with something for it, or nil. */
export function serveRead(store: MemoryStore, read: ReadCommand): Reply {
  const out: Reply[] = [];
  for (let i = 0; i < read.keys.length; i++) {
    const served = serveStream(store, read, i);
    if (served !== undefined) out.push(served);
  }
  return out.length === 0 ? null : out;
}

/** XREAD [COUNT n] [BLOCK ms] STREAMS key ... id ... (a read that would block answers nil, as in MULTI) */
export const xread: Handler = (store, args) => serveRead(store, parseRead(store, args, false));

/** XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS key ... id ... */
export const xreadgroup: Handler = (store, args) => serveRead(store, parseRead(store, args, true));

/** XCLAIM and XAUTOCLAIM (xclaimCommand, xautoclaimCommand of Redis 7.0). */
import { errors, ReplyError, type Reply } from '../reply.js';
import type { ConsumerGroup } from '../store/groups.js';
import { compareIds, nextId, parseIntervalId, parseStrictId, parseStrictIdKey, type StreamId } from '../store/ids.js';
import type { Consumer, Nack } from '../store/pel.js';
import { entryReply } from '../store/reads.js';
import type { MemoryStore } from '../store/store.js';
import type { Stream } from '../store/stream.js';
import { arg, int, is, streamAt, type Handler } from './args.js';

function groupOf(store: MemoryStore, key: string, name: string): { stream: Stream; group: ConsumerGroup } {
  const stream = streamAt(store, key);
  const group = stream?.groups.get(name);
  if (stream === undefined || group === undefined) {
    throw new ReplyError(`NOGROUP No such key '${key}' or consumer group '${name}'`);
  }
  return { stream, group };
}

interface ClaimOptions {
  ids: Array<{ id: StreamId; key: string }>;
  force: boolean;
  justId: boolean;
  deliveryTime: number;
  retryCount: number;
  lastId: StreamId | undefined;
}

function option(args: readonly string[], j: number, now: number, o: ClaimOptions): number {
  const opt = args[j] as string;
  const more = args.length - 1 - j;
  const bad = (what: string) => () => new ReplyError(`ERR Invalid ${what} option argument for XCLAIM`);
  if (is(opt, 'FORCE')) o.force = true;
  else if (is(opt, 'JUSTID')) o.justId = true;
  else if (is(opt, 'IDLE') && more > 0) o.deliveryTime = now - int(args, ++j, bad('IDLE'));
  else if (is(opt, 'TIME') && more > 0) o.deliveryTime = int(args, ++j, bad('TIME'));
  else if (is(opt, 'RETRYCOUNT') && more > 0) o.retryCount = int(args, ++j, bad('RETRYCOUNT'));
  else if (is(opt, 'LASTID') && more > 0) o.lastId = parseStrictId(arg(args, ++j));
  else throw new ReplyError(`ERR Unrecognized XCLAIM option '${opt}'`);
  return j;
}

function parseClaim(args: readonly string[], now: number): ClaimOptions {
  const o: ClaimOptions = { ids: [], force: false, justId: false, deliveryTime: -1, retryCount: -1, lastId: undefined };
  let j = 4;
  for (; j < args.length; j++) {
    try {
      o.ids.push(parseStrictIdKey(args[j] as string));
    } catch {
      break;
    }
  }
  for (; j < args.length; j++) j = option(args, j, now, o);
  if (o.deliveryTime === -1 || o.deliveryTime < 0 || o.deliveryTime > now) o.deliveryTime = now;
  return o;
}

/**
 * Moves a pending entry to the claiming consumer (created on first use) as XCLAIM and XAUTOCLAIM
 * do; `deliveries` -1 leaves the delivery count as it is.
 */
function take(
  group: ConsumerGroup,
  nack: Nack,
  claimer: () => Consumer,
  deliveryTime: number,
  deliveries: number,
): void {
  group.pel.reassign(nack, claimer());
  nack.deliveryTime = deliveryTime;
  if (deliveries !== -1) nack.deliveryCount = deliveries;
}

/** XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id] */
export const xclaim: Handler = (store, args) => {
  if (args.length < 5) throw errors.arity('xclaim');
  const key = arg(args, 0);
  const { stream, group } = groupOf(store, key, arg(args, 1));
  const minIdle = Math.max(
    0,
    int(args, 3, () => new ReplyError('ERR Invalid min-idle-time argument for XCLAIM')),
  );
  const now = store.now();
  const o = parseClaim(args, now);
  if (o.lastId !== undefined && compareIds(o.lastId, group.lastId) > 0) group.lastId = o.lastId;
  let consumer: Consumer | undefined;
  const claimer = (): Consumer => (consumer ??= group.lookupOrCreate(arg(args, 2), now));
  const out: Reply[] = [];
  for (const { id, key: idKey } of o.ids) {
    let nack = group.pel.get(idKey);
    const entry = stream.get(id);
    if (entry === undefined) {
      if (nack !== undefined) group.pel.remove(nack);
      continue;
    }
    if (o.force && nack === undefined) nack = group.pel.add(id, null, now, idKey);
    if (nack === undefined) continue;
    if (nack.consumer !== null && minIdle !== 0 && now - nack.deliveryTime < minIdle) continue;
    const deliveries = o.retryCount >= 0 ? o.retryCount : o.justId ? -1 : nack.deliveryCount + 1;
    take(group, nack, claimer, o.deliveryTime, deliveries);
    out.push(o.justId ? idKey : entryReply(entry));
  }
  return out;
};

function parseAutoclaim(args: readonly string[]): { minIdle: number; start: StreamId; count: number; justId: boolean } {
  const minIdle = Math.max(
    0,
    int(args, 3, () => new ReplyError('ERR Invalid min-idle-time argument for XAUTOCLAIM')),
  );
  const s = parseIntervalId(arg(args, 4), 0);
  const start = s.exclusive ? nextId(s.id) : s.id;
  if (start === undefined) throw new ReplyError('ERR invalid start ID for the interval');
  let count = 100;
  let justId = false;
  for (let j = 5; j < args.length; j++) {
    if (is(args[j], 'COUNT') && j + 1 < args.length) {
      count = int(args, ++j, () => new ReplyError('ERR COUNT must be > 0'));
      if (count < 1 || count > Math.floor(Number.MAX_SAFE_INTEGER / 16)) throw new ReplyError('ERR COUNT must be > 0');
    } else if (is(args[j], 'JUSTID')) justId = true;
    else throw errors.syntax();
  }
  return { minIdle, start, count, justId };
}

/** XAUTOCLAIM key group consumer min-idle-time start [COUNT n] [JUSTID] */
export const xautoclaim: Handler = (store, args) => {
  if (args.length < 5) throw errors.arity('xautoclaim');
  const o = parseAutoclaim(args);
  const { stream, group } = groupOf(store, arg(args, 0), arg(args, 1));
  const now = store.now();
  let consumer: Consumer | undefined;
  const claimer = (): Consumer => (consumer ??= group.lookupOrCreate(arg(args, 2), now));
  const claimed: Reply[] = [];
  const deleted: Reply[] = [];
  let count = o.count;
  let attempts = o.count * 10;
  let nack = group.pel.seek(o.start);
  for (; attempts-- > 0 && count > 0 && nack !== undefined; nack = after(group, nack)) {
    const entry = stream.get(nack.id);
    if (entry === undefined) {
      group.pel.remove(nack);
      deleted.push(nack.key);
      count--;
      continue;
    }
    if (o.minIdle !== 0 && now - nack.deliveryTime < o.minIdle) continue;
    take(group, nack, claimer, now, o.justId ? -1 : nack.deliveryCount + 1);
    claimed.push(o.justId ? nack.key : entryReply(entry));
    count--;
  }
  return [nack === undefined ? '0-0' : nack.key, claimed, deleted];
};

function after(group: ConsumerGroup, nack: Nack): Nack | undefined {
  const next = nextId(nack.id);
  return next === undefined ? undefined : group.pel.seek(next);
}

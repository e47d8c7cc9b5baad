/** XPENDING, summary and extended forms (xpendingCommand of Redis 7.0). */
import { errors, ReplyError, type Reply } from '../reply.js';
import type { ConsumerGroup } from '../store/groups.js';
import { compareIds, nextId, previousId, parseIntervalId, MAX_PART, type StreamId } from '../store/ids.js';
import { sortedNames } from '../store/order.js';
import type { Nack } from '../store/pel.js';
import { arg, int, is, streamAt, type Handler } from './args.js';

interface Extended {
  minIdle: number;
  start: StreamId;
  end: StreamId;
  count: number;
  consumer: string | undefined;
}

function parseExtended(args: readonly string[]): Extended {
  let at = 2;
  let minIdle = 0;
  if (is(args[2], 'IDLE')) {
    minIdle = int(args, 3);
    if (args.length < 7) throw errors.syntax();
    at += 2;
  }
  const count = Math.max(0, int(args, at + 2));
  const s = parseIntervalId(arg(args, at), 0);
  const start = s.exclusive ? nextId(s.id) : s.id;
  if (start === undefined) throw new ReplyError('ERR invalid start ID for the interval');
  const e = parseIntervalId(arg(args, at + 1), MAX_PART);
  const end = e.exclusive ? previousId(e.id) : e.id;
  if (end === undefined) throw new ReplyError('ERR invalid end ID for the interval');
  return { minIdle, start, end, count, consumer: args[at + 3] };
}

function summary(group: ConsumerGroup): Reply {
  const first = group.pel.seek({ ms: 0, seq: 0 });
  const last = group.pel.last();
  if (first === undefined || last === undefined) return [0, null, null, null];
  const owners: Reply[] = [];
  for (const name of sortedNames(group.consumers)) {
    const pending = group.consumers.get(name)?.pending ?? 0;
    if (pending > 0) owners.push([name, String(pending)]);
  }
  return [group.pel.size, first.key, last.key, owners];
}

function rows(group: ConsumerGroup, x: Extended, now: number): Reply {
  const owner = x.consumer === undefined ? undefined : group.consumers.get(x.consumer);
  if (x.consumer !== undefined && owner === undefined) return [];
  const out: Reply[] = [];
  let left = x.count;
  for (let nack: Nack | undefined = group.pel.seek(x.start); left > 0 && nack !== undefined;) {
    if (compareIds(nack.id, x.end) > 0) break;
    const idle = now - nack.deliveryTime;
    if ((owner === undefined || nack.consumer === owner) && !(x.minIdle !== 0 && idle < x.minIdle)) {
      out.push([nack.key, nack.consumer?.name ?? '', Math.max(0, idle), nack.deliveryCount]);
      left--;
    }
    const next = nextId(nack.id);
    nack = next === undefined ? undefined : group.pel.seek(next);
  }
  return out;
}

/** XPENDING key group [[IDLE min-idle] start end count [consumer]] */
export const xpending: Handler = (store, args) => {
  if (args.length < 2) throw errors.arity('xpending');
  if (args.length !== 2 && (args.length < 5 || args.length > 8)) throw errors.syntax();
  const extended = args.length >= 5 ? parseExtended(args) : undefined;
  const key = arg(args, 0);
  const name = arg(args, 1);
  const group = streamAt(store, key)?.groups.get(name);
  if (group === undefined) throw new ReplyError(`NOGROUP No such key '${key}' or consumer group '${name}'`);
  return extended === undefined ? summary(group) : rows(group, extended, store.now());
};

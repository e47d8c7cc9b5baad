/** XINFO GROUPS, CONSUMERS and STREAM (xinfoCommand of Redis 7.0; RESP2: maps as flat lists). */
import { errors, ReplyError, type Reply } from '../reply.js';
import { UNKNOWN_ENTRIES_READ } from '../store/groups.js';
import { formatId, MAX_ID, ZERO_ID } from '../store/ids.js';
import { groupLag } from '../store/lag.js';
import { sortedNames } from '../store/order.js';
import { entryReply } from '../store/reads.js';
import type { MemoryStore } from '../store/store.js';
import type { Stream } from '../store/stream.js';
import { arg, is, streamAt, type Handler } from './args.js';

/** XINFO GROUPS: per group name, consumers, pending, last-delivered-id, entries-read, lag. */
export function groupsInfo(stream: Stream): Reply[] {
  return sortedNames(stream.groups).map((name) => {
    const g = stream.groups.get(name);
    if (g === undefined) return [];
    return [
      'name',
      name,
      'consumers',
      g.consumers.size,
      'pending',
      g.pel.size,
      'last-delivered-id',
      formatId(g.lastId),
      'entries-read',
      g.entriesRead === UNKNOWN_ENTRIES_READ ? null : g.entriesRead,
      'lag',
      groupLag(stream, g),
    ];
  });
}

/** XINFO CONSUMERS: per consumer name, pending, idle (Redis 7.0 has no `inactive`). */
export function consumersInfo(store: MemoryStore, key: string, stream: Stream, name: string): Reply[] {
  const group = stream.groups.get(name);
  if (group === undefined) throw new ReplyError(`NOGROUP No such consumer group '${name}' for key name '${key}'`);
  const now = store.now();
  return sortedNames(group.consumers).map((consumerName) => {
    const c = group.consumers.get(consumerName);
    return c === undefined ? [] : ['name', c.name, 'pending', c.pending, 'idle', Math.max(0, now - c.seenTime)];
  });
}

function streamInfo(stream: Stream): Reply[] {
  const first = stream.range(ZERO_ID, MAX_ID, 1)[0];
  const last = stream.reverseRange(MAX_ID, ZERO_ID, 1)[0];
  return [
    'length',
    stream.length,
    'radix-tree-keys',
    stream.length === 0 ? 0 : 1,
    'radix-tree-nodes',
    stream.length === 0 ? 1 : 2,
    'last-generated-id',
    formatId(stream.lastId),
    'max-deleted-entry-id',
    formatId(stream.maxDeletedId),
    'entries-added',
    stream.entriesAdded,
    'recorded-first-entry-id',
    formatId(stream.firstId),
    'groups',
    stream.groups.size,
    'first-entry',
    first === undefined ? null : entryReply(first),
    'last-entry',
    last === undefined ? null : entryReply(last),
  ];
}

/** XINFO GROUPS key | CONSUMERS key group | STREAM key (not FULL) */
export const xinfo: Handler = (store, args) => {
  const sub = args[0]?.toUpperCase();
  if (sub === 'HELP') throw errors.unmodelled('XINFO HELP');
  if (args.length < 2) throw errors.arity(`xinfo|${(args[0] ?? '').toLowerCase()}`);
  const key = arg(args, 1);
  const stream = streamAt(store, key);
  if (stream === undefined) throw errors.noSuchKey();
  if (sub === 'CONSUMERS' && args.length === 3) return consumersInfo(store, key, stream, arg(args, 2));
  if (sub === 'GROUPS' && args.length === 2) return groupsInfo(stream);
  if (sub === 'STREAM' && args.length === 2) return streamInfo(stream);
  if (sub === 'STREAM' && is(args[2], 'FULL')) throw errors.unmodelled('XINFO STREAM FULL');
  throw new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${args[0] ?? ''}'. Try XINFO HELP.`);
};

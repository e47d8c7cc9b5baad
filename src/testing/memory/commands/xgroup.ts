/** XGROUP CREATE/SETID/DESTROY/CREATECONSUMER/DELCONSUMER and XACK (t_stream.c of Redis 7.0). */
import { errors, ReplyError } from '../reply.js';
import { ConsumerGroup, UNKNOWN_ENTRIES_READ } from '../store/groups.js';
import { parseId, parseStrictId, parseStrictIdKey, ZERO_ID, type StreamId } from '../store/ids.js';
import type { Nack } from '../store/pel.js';
import type { MemoryStore } from '../store/store.js';
import type { Stream } from '../store/stream.js';
import { arg, fail, int, is, streamAt, type Handler } from './args.js';

interface XgroupArgs {
  readonly sub: string;
  readonly key: string;
  readonly group: string;
  readonly mkStream: boolean;
  readonly entriesRead: number;
}

function subcommandError(sub: string): ReplyError {
  return new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try XGROUP HELP.`);
}

function parseXgroup(args: readonly string[]): XgroupArgs {
  const sub = arg(args, 0).toUpperCase();
  let mkStream = false;
  let entriesRead = UNKNOWN_ENTRIES_READ;
  for (let i = 4; i < args.length;) {
    if (sub === 'CREATE' && is(args[i], 'MKSTREAM')) {
      mkStream = true;
      i++;
    } else if ((sub === 'CREATE' || sub === 'SETID') && is(args[i], 'ENTRIESREAD') && i + 1 < args.length) {
      entriesRead = int(args, i + 1);
      if (entriesRead < 0 && entriesRead !== UNKNOWN_ENTRIES_READ)
        fail('ERR value for ENTRIESREAD must be positive or -1');
      i += 2;
    } else throw subcommandError(arg(args, 0));
  }
  return { sub, key: arg(args, 1), group: arg(args, 2), mkStream, entriesRead };
}

function needsStream(
  store: MemoryStore,
  a: XgroupArgs,
): { stream: Stream | undefined; group: ConsumerGroup | undefined } {
  const stream = streamAt(store, a.key);
  if (a.mkStream) return { stream, group: stream?.groups.get(a.group) };
  if (stream === undefined) {
    fail(
      'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
    );
  }
  const group = stream.groups.get(a.group);
  if (group === undefined && ['SETID', 'CREATECONSUMER', 'DELCONSUMER'].includes(a.sub)) {
    fail(`NOGROUP No such consumer group '${a.group}' for key name '${a.key}'`);
  }
  return { stream, group };
}

function create(store: MemoryStore, a: XgroupArgs, idArg: string, found: Stream | undefined): string {
  let id: StreamId;
  if (idArg === '$') id = found?.lastId ?? ZERO_ID;
  else id = parseStrictId(idArg);
  const stream = found ?? store.keys.getOrCreate(a.key, 'stream');
  if (stream.groups.has(a.group)) fail('BUSYGROUP Consumer Group name already exists');
  stream.groups.set(a.group, new ConsumerGroup(a.group, id, a.entriesRead));
  return 'OK';
}

/** Each subcommand's arity (arguments after XGROUP): exact, or at least (negative). */
const ARITY: Readonly<Record<string, number>> = {
  CREATE: -4,
  SETID: -4,
  DESTROY: 3,
  CREATECONSUMER: 4,
  DELCONSUMER: 4,
};

function checkArity(args: readonly string[]): void {
  const sub = args[0]?.toUpperCase() ?? '';
  const want = ARITY[sub];
  if (want === undefined) {
    if (sub === 'HELP') throw errors.unmodelled('XGROUP HELP');
    throw new ReplyError(`ERR unknown subcommand '${args[0] ?? ''}'. Try XGROUP HELP.`);
  }
  if (want >= 0 ? args.length !== want : args.length < -want) {
    throw errors.arity(`xgroup|${sub.toLowerCase()}`);
  }
}

/** XGROUP <subcommand> key group ... */
export const xgroup: Handler = (store, args) => {
  checkArity(args);
  const a = parseXgroup(args);
  const { stream, group } = needsStream(store, a);
  const n = args.length;
  if (a.sub === 'CREATE' && n <= 7) return create(store, a, arg(args, 3), stream);
  if (a.sub === 'SETID' && (n === 4 || n === 6) && stream !== undefined && group !== undefined) {
    const idArg = arg(args, 3);
    group.lastId = idArg === '$' ? stream.lastId : parseId(idArg, { missingSeq: 0, strict: false }).id;
    group.entriesRead = a.entriesRead;
    return 'OK';
  }
  if (a.sub === 'DESTROY' && stream !== undefined) {
    if (group === undefined) return 0;
    stream.groups.delete(a.group);
    store.signal(a.key);
    return 1;
  }
  if (a.sub === 'CREATECONSUMER' && group !== undefined) {
    return group.create(arg(args, 3), store.now()) === undefined ? 0 : 1;
  }
  if (a.sub === 'DELCONSUMER' && group !== undefined) {
    const consumer = group.lookup(arg(args, 3), undefined);
    return consumer === undefined ? 0 : group.deleteConsumer(consumer);
  }
  throw subcommandError(arg(args, 0));
};

/** XACK key group id [id ...] */
export const xack: Handler = (store, args) => {
  if (args.length < 3) throw errors.arity('xack');
  const stream = streamAt(store, arg(args, 0));
  const group = stream?.groups.get(arg(args, 1));
  if (group === undefined) return 0;
  // Every id is checked before any is acknowledged (all or nothing, as Redis does); an id found in
  // the PEL as given is valid already, the others are parsed (and found by their written form).
  const found: Nack[] = [];
  for (let i = 2; i < args.length; i++) {
    const text = args[i] as string;
    const nack = group.pel.get(text) ?? group.pel.get(parseStrictIdKey(text).key);
    if (nack !== undefined) found.push(nack);
  }
  let acknowledged = 0;
  for (const nack of found) {
    if (!nack.live) continue;
    group.pel.remove(nack);
    acknowledged++;
  }
  return acknowledged;
};

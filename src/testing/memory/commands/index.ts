/**
 * The commands the in-memory store answers, by name, and {@link call}: one command run atomically,
 * its reply as a Redis client would get it (RESP2). A command the store does not model is refused
 * with an error that says so, never half-done.
 */
import { errors, type Reply } from '../reply.js';
import type { MemoryStore } from '../store/store.js';
import type { Handler } from './args.js';
import * as hashes from './hashes.js';
import * as keys from './keys.js';
import * as streams from './streams.js';
import { xautoclaim, xclaim } from './xclaim.js';
import { xack, xgroup } from './xgroup.js';
import { xinfo } from './xinfo.js';
import { xpending } from './xpending.js';
import { xread, xreadgroup } from './xread.js';
import * as zsets from './zsets.js';

/** Every command the store models. */
export const COMMANDS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['GET', keys.get],
  ['SET', keys.set],
  ['DEL', keys.del],
  ['UNLINK', keys.unlink],
  ['EXISTS', keys.exists],
  ['RENAME', keys.rename],
  ['PEXPIRE', keys.pexpire],
  ['PTTL', keys.pttl],
  ['TYPE', keys.type],
  ['TIME', keys.time],
  ['CONFIG', keys.config],
  ['PING', keys.ping],
  ['FLUSHALL', keys.flushall],
  ['FLUSHDB', keys.flushall],
  ['HGET', hashes.hget],
  ['HSET', hashes.hset],
  ['HMGET', hashes.hmget],
  ['HDEL', hashes.hdel],
  ['HEXISTS', hashes.hexists],
  ['HKEYS', hashes.hkeys],
  ['HGETALL', hashes.hgetall],
  ['HLEN', hashes.hlen],
  ['HSCAN', hashes.hscan],
  ['ZADD', zsets.zadd],
  ['ZCOUNT', zsets.zcount],
  ['ZREMRANGEBYRANK', zsets.zremrangebyrank],
  ['ZRANGE', zsets.zrange],
  ['ZCARD', zsets.zcard],
  ['ZSCORE', zsets.zscore],
  ['XADD', streams.xadd],
  ['XLEN', streams.xlen],
  ['XRANGE', streams.xrange],
  ['XREVRANGE', streams.xrevrange],
  ['XDEL', streams.xdel],
  ['XTRIM', streams.xtrim],
  ['XREAD', xread],
  ['XREADGROUP', xreadgroup],
  ['XGROUP', xgroup],
  ['XACK', xack],
  ['XPENDING', xpending],
  ['XCLAIM', xclaim],
  ['XAUTOCLAIM', xautoclaim],
  ['XINFO', xinfo],
]);

/** Looks a command up by name (any case). */
export function handlerOf(name: string): Handler {
  const handler = COMMANDS.get(name) ?? COMMANDS.get(name.toUpperCase());
  if (handler === undefined) throw errors.unknown(name);
  return handler;
}

/**
 * Runs one command on the store, atomically: `call(store, 'XADD', 'orders', '*', 'name', 'x')`.
 * Throws a {@link ReplyError} with Redis' text when Redis would answer with an error. A read that
 * would block answers nil at once (as inside MULTI); blocking is the port's.
 */
export function call(store: MemoryStore, name: string, ...args: string[]): Reply {
  return callArgs(store, name, args);
}

/** {@link call} with the arguments in an array (not copied: the handler gets it as it is). */
export function callArgs(store: MemoryStore, name: string, args: readonly string[]): Reply {
  const handler = handlerOf(name);
  return store.atomically(() => handler(store, args));
}

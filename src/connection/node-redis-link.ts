/**
 * What differs between node-redis connections to one server (standalone, or the primary Sentinel
 * names) and to a Redis Cluster, behind one small interface, so the port above is written once.
 * Every command names the key it is routed by (`undefined`: any node will do). Failures are already
 * the library's errors; an error reply inside a transaction's or a pipeline's replies is too.
 */
import { RedisCommandError, UnexpectedReplyError } from '../errors.js';
import type { NodeRedisConnection } from './node-redis-connection.js';
import { isReplyError, translateReply } from './node-redis-errors.js';

/** A command: its name and arguments, as strings. */
export type Command = readonly string[];

/** The operations the port needs, for one kind of deployment. */
export interface NodeRedisLink {
  /** Sends one command to the server that owns `key`. */
  call(key: string | undefined, args: Command): Promise<unknown>;
  /** Sends one command whose bulk replies are wanted as raw bytes. */
  callBuffer(key: string | undefined, args: Command): Promise<unknown>;
  /**
   * Sends commands back to back in one write to the server that owns `key`; a promise per command
   * (Redis runs them in order, nothing of this connection in between).
   */
  sendAll(key: string | undefined, commands: readonly Command[]): Array<Promise<unknown>>;
  /**
   * Runs commands in MULTI/EXEC. Resolves to each command's reply (the library's error for
   * one that failed when EXEC ran it); rejects with EXEC's failure (for EXECABORT: the first queued
   * command's own error, which is the real cause).
   */
  transaction(key: string | undefined, commands: readonly Command[]): Promise<unknown[]>;
  /** Sends commands in one write, without a transaction; each reply, or the error it failed with. */
  pipeline(key: string | undefined, commands: readonly Command[]): Promise<unknown[]>;
  /** Loads a script where transactions will run it. */
  loadScript(lua: string): Promise<void>;
  /**
   * Whether a script must be loaded before a transaction that runs it is sent: on one connection a
   * SCRIPT LOAD sent just before is executed before it; a cluster's nodes may not be connected yet.
   */
  readonly loadBeforeUse: boolean;
  /** The connection's CLIENT ID, or undefined when its waits cannot be ended with CLIENT UNBLOCK. */
  clientId(): Promise<number | undefined>;
  /** Every key of a type (SCAN ... TYPE, on every primary of a cluster), never KEYS. */
  keysOfType(type: string): Promise<string[]>;
  /** Closes gracefully (commands written may finish), then cuts. */
  close(): Promise<void>;
  /** Cuts at once. */
  destroy(): void;
}

/** SCAN over one server until the cursor comes back to 0. */
export async function scanAll(call: (args: Command) => Promise<unknown>, type: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const reply = await call(['SCAN', cursor, 'COUNT', '1000', 'TYPE', type]);
    if (!Array.isArray(reply) || typeof reply[0] !== 'string' || !Array.isArray(reply[1])) {
      throw new UnexpectedReplyError('SCAN: expected [cursor, keys]');
    }
    cursor = reply[0];
    for (const key of reply[1] as unknown[]) if (typeof key === 'string') keys.push(key);
  } while (cursor !== '0');
  return keys;
}

/**
 * MULTI, the commands and EXEC sent back to back on one connection. Each queued reply (+QUEUED, or
 * the error EXECABORT then stands for) is settled here so none is left unhandled; EXEC's reply
 * carries the outcome. Whether EXEC was written decides whether the transaction may have run.
 */
export async function runTransaction(
  connection: NodeRedisConnection,
  commands: readonly Command[],
): Promise<unknown[]> {
  const all = connection.sendAll([['MULTI'], ...commands, ['EXEC']]);
  for (const p of all) p.catch(() => {});
  try {
    return execReplies(await all[all.length - 1], commands, connection.settings.where);
  } catch (err) {
    if (!(err instanceof RedisCommandError) || err.redisCode !== 'EXECABORT') throw err;
    const settled = await Promise.allSettled(all.slice(1, -1));
    const refused = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    throw refused === undefined ? err : refused.reason;
  }
}

/** Commands sent back to back, each settled: its reply or its error. */
export async function runPipeline(connection: NodeRedisConnection, commands: readonly Command[]): Promise<unknown[]> {
  const settled = await Promise.allSettled(connection.sendAll(commands));
  return settled.map((r): unknown => (r.status === 'fulfilled' ? r.value : (r.reason as unknown)));
}

function execReplies(
  reply: unknown,
  commands: readonly Command[],
  where: Parameters<typeof translateReply>[1],
): unknown[] {
  if (!Array.isArray(reply) || reply.length !== commands.length) {
    throw new UnexpectedReplyError(`EXEC: expected ${commands.length} replies`);
  }
  return reply.map((r: unknown, i) =>
    isReplyError(r) ? translateReply(r, where, (commands[i]?.[0] ?? '').toLowerCase()) : r,
  );
}

/** The link of connections to one server: every command goes to the one connection. */
export function serverLink(connection: NodeRedisConnection): NodeRedisLink {
  const call = (args: Command): Promise<unknown> => connection.send(args);
  return {
    call: (_key, args) => connection.send(args),
    callBuffer: (_key, args) => connection.send(args, true),
    sendAll: (_key, commands) => connection.sendAll(commands),
    transaction: (_key, commands) => runTransaction(connection, commands),
    pipeline: (_key, commands) => runPipeline(connection, commands),
    async loadScript(lua) {
      await connection.send(['SCRIPT', 'LOAD', lua]);
    },
    loadBeforeUse: false,
    async clientId() {
      return Number(await connection.send(['CLIENT', 'ID']));
    },
    keysOfType: (type) => scanAll(call, type),
    close: () => connection.close(),
    destroy: () => connection.destroy(),
  };
}

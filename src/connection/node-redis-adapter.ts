/**
 * The {@link RedisPort} over node-redis (`@redis/client` 6) connections that the library owns: to
 * one server (standalone, or the primary Sentinel names) or to a Redis Cluster (see
 * node-redis-link.ts for what differs; node-redis-connection.ts for how a connection reconnects and
 * knows whether a failed command was written). Replies are read in RESP2, whose shapes are those
 * replies.ts checks; every failure is already one of the library's errors.
 */
import { ConnectionError, RedisCommandError, RedisStreamerError, UnexpectedReplyError } from '../errors.js';
import { ConnectionTracker } from './connection-state.js';
import type { ConnectionListener } from './node-redis-connection.js';
import type { Command, NodeRedisLink } from './node-redis-link.js';
import type {
  ConnectionStatus,
  LuaScript,
  PortEvents,
  RawEntry,
  ReadGroup,
  RedisPort,
  ScriptCall,
  WaitBeforeRead,
} from './port.js';
import {
  entriesOfStreamReply,
  entriesReply,
  firstIdsOfStreamsReply,
  intReply,
  nullableStringReply,
  rawFieldsReply,
  stringReply,
} from './replies.js';

/** Script arguments as the wire takes them. */
function strings(values: ReadonlyArray<string | number>): string[] {
  const out = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = String(values[i]);
  return out;
}

/** The arguments of `XREADGROUP` for one read. */
function readGroupArgs(read: ReadGroup): string[] {
  const args = ['XREADGROUP', 'GROUP', read.group, read.consumer, 'COUNT', String(read.count)];
  if (read.noAck) args.push('NOACK');
  args.push('STREAMS', read.key, '>');
  return args;
}

function scriptCommand(name: string, sha: string, keys: readonly string[], args: ReadonlyArray<string | number>) {
  return [name, sha, String(keys.length), ...keys, ...strings(args)];
}

/** How a port is opened: its link, made with the listener that follows its connections. */
export type LinkFactory = (listener: ConnectionListener) => NodeRedisLink;

/** Adapts node-redis connections that this library owns. */
export class NodeRedisPort implements RedisPort {
  readonly label: string;
  readonly endpoint: string;
  private readonly link: NodeRedisLink;
  private readonly tracker: ConnectionTracker;
  private closed = false;
  lastDataAt = 0;
  /** Scripts known to be loaded where this port runs them (cleared when a connection is lost). */
  private readonly loaded = new Set<LuaScript>();
  private reportedLoadFailure = false;

  /** @param tls whether its connections use TLS. */
  constructor(label: string, endpoint: string, openLink: LinkFactory, tls = false) {
    this.label = label;
    this.endpoint = endpoint;
    const tracker = (this.tracker = new ConnectionTracker(label, endpoint, tls));
    this.link = openLink({
      connecting: () => tracker.connecting(),
      ready: () => tracker.ready(),
      error: (err) => tracker.error(err),
      lost: () => {
        // A new connection may reach a server whose script cache is empty (a restart, a failover).
        this.loaded.clear();
        if (!this.closed) tracker.closedUnexpectedly();
      },
      reconnecting: (delayMs) => tracker.reconnecting(delayMs),
      serversChanged: () => this.loaded.clear(),
      warning: (message) => tracker.warning(message),
      data: () => {
        this.lastDataAt = performance.now();
      },
    });
  }

  status(): ConnectionStatus {
    return this.tracker.status();
  }

  async connect(): Promise<void> {
    await this.link.call(undefined, ['PING']);
  }

  /**
   * Makes sure a script that will run inside a transaction (or behind a wait) is loaded: a SCRIPT
   * LOAD sent just before, on the same connection, is executed before it. A NOSCRIPT inside a
   * transaction would come after the read had happened.
   */
  private ensureLoaded(script: LuaScript): Promise<void> | undefined {
    if (this.loaded.has(script)) return undefined;
    this.loaded.add(script);
    const loading = this.link.loadScript(script.lua);
    loading.catch((err: unknown) => {
      this.loaded.delete(script);
      // A connection error fails the read too; anything else (an ACL without SCRIPT, say) means
      // every read runs without its guard script: say so, once.
      if (err instanceof RedisCommandError && !this.reportedLoadFailure) {
        this.reportedLoadFailure = true;
        this.tracker.report(err);
      }
    });
    // Where ordering on one socket does not hold (a cluster), the caller waits for the load.
    return this.link.loadBeforeUse ? loading.catch(() => {}) : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.link.close();
    this.tracker.closed();
  }

  destroy(): void {
    this.closed = true;
    this.link.destroy();
    this.tracker.closed();
  }

  on<E extends keyof PortEvents>(event: E, listener: PortEvents[E]): void {
    this.tracker.on(event, listener);
  }

  async xadd(key: string, fields: readonly string[]): Promise<string> {
    return stringReply(await this.link.call(key, ['XADD', key, '*', ...fields]), 'XADD');
  }

  async xreadgroup(read: ReadGroup): Promise<RawEntry[]> {
    return entriesOfStreamReply(await this.link.call(read.key, readGroupArgs(read)), 'XREADGROUP');
  }

  async readBetweenScripts(
    read: ReadGroup,
    before: ScriptCall,
    after: ScriptCall,
  ): Promise<{ before: unknown; entries: RawEntry[]; after: unknown }> {
    await Promise.all([this.ensureLoaded(before.script), this.ensureLoaded(after.script)]);
    const commands: Command[] = [
      scriptCommand('EVALSHA', before.script.sha, before.keys, before.args),
      readGroupArgs(read),
      scriptCommand('EVALSHA', after.script.sha, after.keys, after.args),
    ];
    const [beforeReply, readReply, afterReply] = await this.link.transaction(read.key, commands);
    if (readReply instanceof Error) throw readReply;
    return {
      before: this.scriptReply(beforeReply, before.script),
      entries: entriesOfStreamReply(readReply, 'XREADGROUP'),
      after: this.scriptReply(afterReply, after.script),
    };
  }

  /** A script's reply inside a transaction: its value, or null when it was missing (NOSCRIPT). */
  private scriptReply(reply: unknown, script: LuaScript): unknown {
    if (!(reply instanceof Error)) return reply;
    if (!(reply instanceof RedisCommandError) || reply.redisCode !== 'NOSCRIPT') throw reply;
    // The script cache was flushed behind this connection's back (SCRIPT FLUSH, a failover).
    this.loaded.delete(script);
    return null;
  }

  async runScriptAfterWait(
    waitKey: string,
    wait: WaitBeforeRead,
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<{ result: unknown; woke: boolean }> {
    await this.ensureLoaded(script);
    const [waited, ran] = this.link.sendAll(waitKey, [
      ['XREAD', 'COUNT', '1', 'BLOCK', String(wait.blockMs), 'STREAMS', waitKey, wait.afterId],
      scriptCommand('EVALSHA', script.sha, keys, args),
    ]) as [Promise<unknown>, Promise<unknown>];
    const [w, r] = await Promise.allSettled([waited, ran]);
    if (w.status === 'rejected') throw w.reason;
    const woke = w.value !== null;
    if (r.status === 'fulfilled') return { result: r.value, woke };
    const err: unknown = r.reason;
    // A NOSCRIPT means the script did not run at all: run it again, loading it.
    if (err instanceof RedisCommandError && err.redisCode === 'NOSCRIPT') {
      return { result: await this.runScript(script, keys, args), woke };
    }
    throw err;
  }

  async runScriptThenWait(
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
    wait: { readonly replicas: number; readonly timeoutMs: number },
  ): Promise<{ result: unknown; waited: number | RedisStreamerError }> {
    const cached = await this.scriptThenWait('EVALSHA', script.sha, keys, args, wait);
    if (cached !== undefined) return cached;
    // Not in the server's cache: EVAL caches it as it runs (SCRIPT LOAD may not be granted).
    const loaded = await this.scriptThenWait('EVAL', script.lua, keys, args, wait);
    if (loaded === undefined) throw new UnexpectedReplyError('EVAL: the script was not run');
    return loaded;
  }

  /** One script call and WAIT in one write; undefined when the script was not in the cache. */
  private async scriptThenWait(
    command: 'EVALSHA' | 'EVAL',
    script: string,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
    wait: { readonly replicas: number; readonly timeoutMs: number },
  ): Promise<{ result: unknown; waited: number | RedisStreamerError } | undefined> {
    const [ran, waited] = await this.link.pipeline(keys[0], [
      scriptCommand(command, script, keys, args),
      ['WAIT', String(wait.replicas), String(wait.timeoutMs)],
    ]);
    if (ran instanceof Error) {
      if (ran instanceof RedisCommandError && ran.redisCode === 'NOSCRIPT' && command === 'EVALSHA') return undefined;
      throw ran;
    }
    // The script ran: a WAIT that failed after it is returned, not thrown (its writes happened).
    if (waited instanceof RedisStreamerError) return { result: ran, waited };
    if (waited instanceof Error)
      return { result: ran, waited: new ConnectionError(this.endpoint, waited.message, { sent: true }) };
    return { result: ran, waited: intReply(waited, 'WAIT') };
  }

  async waitForEntries(
    keys: readonly string[],
    afterIds: readonly string[],
    blockMs: number | undefined,
  ): Promise<Array<[key: string, id: string]>> {
    const block = blockMs === undefined ? [] : ['BLOCK', String(blockMs)];
    const reply = await this.link.call(keys[0], ['XREAD', 'COUNT', '1', ...block, 'STREAMS', ...keys, ...afterIds]);
    return firstIdsOfStreamsReply(reply, 'XREAD');
  }

  async xrange(key: string, start: string, end: string, count: number): Promise<RawEntry[]> {
    return entriesReply(await this.link.call(key, ['XRANGE', key, start, end, 'COUNT', String(count)]), 'XRANGE');
  }

  async xrangeRawFields(key: string, id: string): Promise<Buffer[] | null> {
    return rawFieldsReply(await this.link.callBuffer(key, ['XRANGE', key, id, id]), 'XRANGE');
  }

  async xdel(key: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return intReply(await this.link.call(key, ['XDEL', key, ...ids]), 'XDEL');
  }

  async getString(key: string): Promise<string | null> {
    return nullableStringReply(await this.link.call(key, ['GET', key]), 'GET');
  }

  async xrevrangeLast(key: string): Promise<string | null> {
    const reply = entriesReply(await this.link.call(key, ['XREVRANGE', key, '+', '-', 'COUNT', '1']), 'XREVRANGE');
    return reply[0]?.[0] ?? null;
  }

  async deleteStream(key: string): Promise<number> {
    // XLEN and DEL in one MULTI/EXEC, so the count is what was deleted.
    const [count] = await this.link.transaction(key, [
      ['XLEN', key],
      ['DEL', key],
    ]);
    if (count instanceof Error) throw count;
    return intReply(count, 'XLEN');
  }

  async xlen(key: string): Promise<number> {
    return intReply(await this.link.call(key, ['XLEN', key]), 'XLEN');
  }

  async xack(key: string, group: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return intReply(await this.link.call(key, ['XACK', key, group, ...ids]), 'XACK');
  }

  async runScript(script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    const key = keys[0];
    try {
      return await this.link.call(
        key,
        scriptCommand(script.readOnly ? 'EVALSHA_RO' : 'EVALSHA', script.sha, keys, args),
      );
    } catch (err) {
      if (err instanceof RedisCommandError && err.redisCode === 'NOSCRIPT') {
        return this.link.call(key, scriptCommand(script.readOnly ? 'EVAL_RO' : 'EVAL', script.lua, keys, args));
      }
      throw err;
    }
  }

  keysOfType(type: string): Promise<string[]> {
    return this.link.keysOfType(type);
  }

  async configGet(parameter: string): Promise<string | null> {
    const reply = await this.link.call(undefined, ['CONFIG', 'GET', parameter]);
    return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : null;
  }

  async time(): Promise<number> {
    const reply = await this.link.call(undefined, ['TIME']);
    if (!Array.isArray(reply) || typeof reply[0] !== 'string' || typeof reply[1] !== 'string') {
      throw new UnexpectedReplyError('TIME: expected [seconds, microseconds]');
    }
    return Number(reply[0]) * 1000 + Math.floor(Number(reply[1]) / 1000);
  }

  clientId(): Promise<number | undefined> {
    return this.link.clientId();
  }

  async clientUnblock(id: number): Promise<boolean> {
    return intReply(await this.link.call(undefined, ['CLIENT', 'UNBLOCK', String(id)]), 'CLIENT UNBLOCK') === 1;
  }
}

/**
 * The {@link RedisPort} over ioredis 6.
 *
 * Connection settings the library relies on:
 * - RESP2 (`protocol: 2`): measured faster than RESP3 for large XREADGROUP replies, and the reply
 *   shapes are the same either way;
 * - reconnects with exponential backoff and jitter, capped at 1 s, so consumption resumes within
 *   about a second of the server coming back;
 * - `blocking` connections use `maxRetriesPerRequest: 0`: a read in flight when the link drops
 *   fails at once, so the loop knows, re-reads its own pending entries and resumes. (With the
 *   default, ioredis silently re-sends the read after reconnecting.)
 */
import { Redis, type RedisOptions } from 'ioredis';
import { backoffDelay } from './backoff.js';
import type { LuaScript, PortEvents, RawEntry, ReadGroupOptions, RedisPort, WaitBeforeRead } from './port.js';
import { isBusyGroupError, isConnectionError } from '../errors.js';

/** What a connection is for. */
export type ConnectionKind = { readonly kind: 'command' } | { readonly kind: 'blocking' };

/** Reconnect delays: 50 ms doubling to 1 s, with jitter. */
export function reconnectDelay(attempt: number): number {
  return backoffDelay(attempt, 50, 1000);
}

/**
 * The shared connection presumes its socket dead after this long without any reply while it waits
 * for one. Long, because ioredis' timer cannot tell a hung socket from an event loop that was
 * blocked (a reply that already arrived would be discarded); read connections have the library's
 * own watchdog instead, which can.
 */
const COMMAND_SOCKET_TIMEOUT_MS = 60_000;

/**
 * Options forced on every connection the library opens, whatever a template client had set.
 * - `maxRetriesPerRequest: 0`: a command in flight when the link drops fails at once instead of
 *   being re-sent after the reconnect; a re-sent XADD, publish or dead-letter script could run
 *   twice. The library retries what is safe to retry itself.
 * - `socketTimeout` (shared connection only): a connection that waits for a reply and receives
 *   nothing for a minute is cut and re-opened.
 * - no key prefix, offline queue on, resend on, no command timeouts (they would cut blocking reads).
 */
function ownOptions(label: string, connection: ConnectionKind): Partial<RedisOptions> {
  return {
    lazyConnect: true,
    protocol: 2,
    connectionName: `redis-streamer:${label}`.replace(/\s/g, '_'),
    retryStrategy: reconnectDelay,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: false,
    enableOfflineQueue: true,
    autoResendUnfulfilledCommands: true,
    keyPrefix: '',
    readOnly: false,
    commandTimeout: undefined,
    blockingTimeout: undefined,
    socketTimeout: connection.kind === 'blocking' ? undefined : COMMAND_SOCKET_TIMEOUT_MS,
  };
}

/** Adapts one ioredis connection that this library owns. */
export class IoredisPort implements RedisPort {
  readonly label: string;
  private readonly client: Redis;
  private closed = false;
  private attempts = 0;
  lastDataAt = 0;
  /** Scripts known to be loaded on the current connection (cleared when it closes). */
  private readonly loaded = new Set<LuaScript>();

  /** Wraps a new connection made from `template` (a client whose settings are copied, never used). */
  static fromTemplate(template: Redis, label: string, connection: ConnectionKind): IoredisPort {
    return IoredisPort.fromOptions(template.options, label, connection);
  }

  /** Wraps a new connection made from options. */
  static fromOptions(options: RedisOptions, label: string, connection: ConnectionKind): IoredisPort {
    // RESP2 is forced, so ioredis' RESP3-only replyMapping does not apply.
    const { replyMapping: _unused, ...rest } = { ...options, ...ownOptions(label, connection) };
    return new IoredisPort(new Redis(rest), label);
  }

  private constructor(client: Redis, label: string) {
    this.client = client;
    this.label = label;
    // ioredis prints unhandled 'error' events; the owner subscribes through on('error').
    this.client.on('error', () => {});
    this.client.on('reconnecting', () => {
      this.attempts++;
    });
    this.client.on('ready', () => {
      this.attempts = 0;
    });
    // Every new socket reports when data arrives (the read watchdog tells a slow reply from none).
    this.client.on('connect', () => {
      const stream = (this.client as unknown as { stream?: NodeJS.EventEmitter }).stream;
      stream?.on('data', () => {
        this.lastDataAt = performance.now();
      });
    });
    // A new connection may reach a server whose script cache is empty (a restart, a failover).
    this.client.on('close', () => this.loaded.clear());
  }

  private reportedLoadFailure = false;

  /**
   * Makes sure a script that will run inside a transaction (or behind a wait) is loaded: a SCRIPT
   * LOAD sent just before, on the same connection, is executed before it. A NOSCRIPT inside a
   * transaction would come after the read had happened.
   */
  private ensureLoaded(script: LuaScript): void {
    if (this.loaded.has(script)) return;
    this.loaded.add(script);
    this.client.script('LOAD', script.lua).catch((err: unknown) => {
      this.loaded.delete(script);
      // A connection error fails the read too; anything else (an ACL without SCRIPT, say) means
      // every read runs without its guard script: say so, once.
      if (!isConnectionError(err) && !this.reportedLoadFailure) {
        this.reportedLoadFailure = true;
        this.client.emit('error', new Error(`SCRIPT LOAD of ${script.name} failed: ${String(err)}`));
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.client;
    if (client.status !== 'ready') {
      // Not connected (reconnecting, connecting, never used): nothing to say goodbye to. This
      // clears ioredis' reconnect timer; no 'end' event may follow, so none is awaited. Commands
      // queued for the reconnect would then wait forever: fail them.
      client.disconnect(false);
      failQueued(client);
      return;
    }
    // QUIT, then wait (bounded) for the socket to close, so nothing of it outlives close().
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)));
    client.quit().catch(() => client.disconnect(false));
    await Promise.race([ended, giveUp]);
    clearTimeout(timer);
    if ((client.status as string) !== 'end') client.disconnect(false);
  }

  destroy(): void {
    this.closed = true;
    this.client.disconnect(false);
    failQueued(this.client);
  }

  on<E extends keyof PortEvents>(event: E, listener: PortEvents[E]): void {
    if (event === 'reconnecting') {
      const fn = listener as PortEvents['reconnecting'];
      this.client.on('reconnecting', (delay: number) => fn(delay, this.attempts));
    } else {
      this.client.on(event, listener as (...args: unknown[]) => void);
    }
  }

  async xadd(key: string, fields: readonly string[]): Promise<string> {
    return (await this.client.xadd(key, '*', ...fields)) as string;
  }

  async xreadgroupThenScript(
    group: string,
    consumer: string,
    key: string,
    opts: ReadGroupOptions,
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<{ entries: RawEntry[]; result: unknown }> {
    const client = this.client;
    this.ensureLoaded(script);
    const read: Array<string | number> = ['GROUP', group, consumer, 'COUNT', opts.count];
    if (opts.noAck === true) read.push('NOACK');
    read.push('STREAMS', key, '>');
    // MULTI/EXEC written as plain commands sent back to back: cheaper than ioredis' multi() object.
    const sent = [
      client.call('MULTI'),
      client.call('XREADGROUP', ...read),
      client.call('EVALSHA', script.sha, keys.length, ...keys, ...args),
      client.call('EXEC'),
    ];
    const settled = await Promise.allSettled(sent);
    const exec = settled[3] as PromiseSettledResult<unknown>;
    if (exec.status === 'rejected') throw exec.reason;
    const [readReply, scriptReply] = exec.value as [unknown, unknown];
    if (readReply instanceof Error) throw readReply;
    const streams = readReply as Array<[string, RawEntry[]]> | null;
    const entries = streams === null || streams.length === 0 ? [] : (streams[0] as [string, RawEntry[]])[1];
    if (scriptReply instanceof Error) {
      if (!scriptReply.message.startsWith('NOSCRIPT')) throw scriptReply;
      // The script cache was flushed behind this connection's back (SCRIPT FLUSH): the read
      // happened without its script. The caller decides what that means (result null).
      this.loaded.delete(script);
      return { entries, result: null };
    }
    return { entries, result: scriptReply };
  }

  async runScriptAfterWait(
    waitKey: string,
    wait: WaitBeforeRead,
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<{ result: unknown; woke: boolean }> {
    this.ensureLoaded(script);
    const waited = this.client.call('XREAD', 'COUNT', 1, 'BLOCK', wait.blockMs, 'STREAMS', waitKey, wait.afterId);
    const ran = this.client.evalsha(script.sha, keys.length, ...keys, ...args);
    const [w, r] = await Promise.allSettled([waited, ran]);
    if (w.status === 'rejected') throw w.reason;
    const woke = w.value !== null;
    if (r.status === 'fulfilled') return { result: r.value, woke };
    const err: unknown = r.reason;
    // A NOSCRIPT means the script did not run at all: run it again, loading it.
    if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
      return { result: await this.runScript(script, keys, args), woke };
    }
    throw err;
  }

  async xrange(key: string, start: string, end: string, count: number): Promise<RawEntry[]> {
    return this.client.xrange(key, start, end, 'COUNT', count);
  }

  async xrangeRawFields(key: string, id: string): Promise<Buffer[] | null> {
    const reply = await this.client.xrangeBuffer(key, id, id);
    const entry = reply[0];
    return entry === undefined ? null : entry[1];
  }

  async xdel(key: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.client.xdel(key, ...ids);
  }

  async getString(key: string): Promise<string | null> {
    return this.client.get(key);
  }

  async xrevrangeLast(key: string): Promise<string | null> {
    const reply = await this.client.xrevrange(key, '+', '-', 'COUNT', 1);
    return reply[0]?.[0] ?? null;
  }

  async xtrimAll(key: string): Promise<number> {
    return Number(await this.client.xtrim(key, 'MAXLEN', 0));
  }

  async xlen(key: string): Promise<number> {
    return this.client.xlen(key);
  }

  async xack(key: string, group: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.client.xack(key, group, ...ids);
  }

  async xgroupCreate(key: string, group: string, id: string): Promise<'created' | 'exists'> {
    try {
      await this.client.xgroup('CREATE', key, group, id, 'MKSTREAM');
      return 'created';
    } catch (err) {
      if (isBusyGroupError(err)) return 'exists';
      throw err;
    }
  }

  async runScript(script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        return this.client.eval(script.lua, keys.length, ...keys, ...args);
      }
      throw err;
    }
  }

  async time(): Promise<number> {
    const [seconds, micros] = await this.client.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  async clientId(): Promise<number> {
    return Number(await this.client.client('ID'));
  }

  async clientUnblock(id: number): Promise<boolean> {
    return Number(await this.client.client('UNBLOCK', id)) === 1;
  }
}

/** Fails the commands ioredis keeps for a reconnect that will not come (it does not, on disconnect). */
function failQueued(client: Redis): void {
  const internal = client as unknown as { flushQueue?: (err: Error) => void };
  if (typeof internal.flushQueue === 'function') internal.flushQueue(new Error('Connection is closed.'));
}

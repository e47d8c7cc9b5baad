/**
 * The {@link RedisPort} over one ioredis 6 connection that the library owns (its settings: see
 * ioredis-options.ts). It translates every failure into the library's error classes and follows the
 * connection's state for `getStats()`.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { endpointOf, failQueued, ownOptions, readGroupArgs, type Endpoint } from './ioredis-options.js';
import type {
  ConnectionKind,
  ConnectionState,
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
  ConfigError,
  ConnectionError,
  RedisCommandError,
  UnexpectedReplyError,
  type RedisStreamerError,
} from '../errors.js';
import { entriesOfStreamReply, stringReply } from './replies.js';
import { translateCommandError, translateConnectionError } from './ioredis-errors.js';

/** Adapts one ioredis connection that this library owns. */
export class IoredisPort implements RedisPort {
  readonly label: string;
  readonly endpoint: string;
  private readonly user: string;
  private readonly db: number;
  private readonly client: Redis;
  private closed = false;
  private attempts = 0;
  private reconnects = 0;
  private state: ConnectionState = 'idle';
  /** Why the connection is down right now (cleared when it is ready again). */
  private down: RedisStreamerError | undefined;
  /** A configuration error that closed the connection for good (a database that does not exist). */
  private fatal: ConfigError | undefined;
  private lastError: RedisStreamerError | undefined;
  private lastErrorAt: number | null = null;
  private readonly listeners: { [E in keyof PortEvents]: Array<PortEvents[E]> } = {
    error: [],
    reconnecting: [],
    ready: [],
  };
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
    return new IoredisPort(new Redis(rest), label, endpointOf(options));
  }

  private constructor(client: Redis, label: string, where: Endpoint) {
    this.client = client;
    this.label = label;
    this.endpoint = where.endpoint;
    this.user = where.user;
    this.db = where.db;
    this.client.on('error', (err: unknown) => this.onClientError(err));
    this.client.on('connecting', () => {
      if (this.state === 'idle') this.state = 'connecting';
    });
    this.client.on('reconnecting', (delay: number) => {
      this.state = 'reconnecting';
      this.attempts++;
      this.reconnects++;
      for (const fn of this.listeners.reconnecting) fn(delay, this.attempts, this.down);
    });
    this.client.on('ready', () => {
      this.state = 'ready';
      this.attempts = 0;
      this.down = undefined;
      for (const fn of this.listeners.ready) fn();
    });
    // Every new socket reports when data arrives (the read watchdog tells a slow reply from none).
    this.client.on('connect', () => {
      const stream = (this.client as unknown as { stream?: NodeJS.EventEmitter }).stream;
      stream?.on('data', () => {
        this.lastDataAt = performance.now();
      });
    });
    this.client.on('close', () => {
      // A new connection may reach a server whose script cache is empty (a restart, a failover).
      this.loaded.clear();
      if (this.down === undefined && !this.closed) {
        this.down = new ConnectionError(this.endpoint, `the connection to Redis at ${this.endpoint} was closed`);
      }
    });
    this.client.on('end', () => {
      if (this.state !== 'failed') this.state = 'closed';
    });
  }

  /** A connection-level error from the client: recorded, translated, reported. */
  private onClientError(err: unknown): void {
    const error = translateConnectionError(err, this.endpoint, this.user, this.db);
    this.record(error);
    this.down = error;
    if (error instanceof ConfigError && this.fatal === undefined) {
      // SELECT failed: ioredis would go on with database 0. Close for good before anything runs there.
      this.fatal = error;
      this.state = 'failed';
      this.closed = true;
      this.client.disconnect(false);
      failQueued(this.client, error);
    }
    for (const fn of this.listeners.error) fn(error);
  }

  private record(error: RedisStreamerError): void {
    this.lastError = error;
    this.lastErrorAt = Date.now();
  }

  status(): ConnectionStatus {
    return {
      name: this.label,
      endpoint: this.endpoint,
      state: this.state,
      lastError: this.lastError?.message ?? null,
      lastErrorCode: this.lastError?.code ?? null,
      lastErrorAt: this.lastErrorAt,
      reconnects: this.reconnects,
    };
  }

  /**
   * Runs one client call, translating its failure. Whether the command reached the socket is
   * decided now: ioredis writes at once when the connection is ready, and queues it otherwise.
   */
  private run<T>(command: string, call: () => Promise<T>): Promise<T> {
    if (this.fatal !== undefined) return Promise.reject(this.fatal);
    const sent = this.client.status === 'ready';
    return call().catch((err: unknown) => {
      throw this.translate(err, command, sent);
    });
  }

  private translate(err: unknown, command: string, sent: boolean): RedisStreamerError {
    return translateCommandError(err, {
      endpoint: this.endpoint,
      user: this.user,
      command,
      sent,
      connectionFailure: this.fatal ?? this.down,
    });
  }

  async connect(): Promise<void> {
    await this.run('ping', () => this.client.ping());
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
    this.run('script', () => this.client.script('LOAD', script.lua)).catch((err: unknown) => {
      this.loaded.delete(script);
      // A connection error fails the read too; anything else (an ACL without SCRIPT, say) means
      // every read runs without its guard script: say so, once.
      if (err instanceof RedisCommandError && !this.reportedLoadFailure) {
        this.reportedLoadFailure = true;
        this.record(err);
        for (const fn of this.listeners.error) fn(err);
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
      failQueued(client, this.closedError());
      this.state = this.state === 'failed' ? 'failed' : 'closed';
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
    this.state = 'closed';
  }

  destroy(): void {
    this.closed = true;
    this.client.disconnect(false);
    failQueued(this.client, this.closedError());
    if (this.state !== 'failed') this.state = 'closed';
  }

  private closedError(): ConnectionError {
    return new ConnectionError(this.endpoint, `the connection "${this.label}" to ${this.endpoint} was closed`);
  }

  on<E extends keyof PortEvents>(event: E, listener: PortEvents[E]): void {
    this.listeners[event].push(listener);
  }

  async xadd(key: string, fields: readonly string[]): Promise<string> {
    return stringReply(await this.run('xadd', () => this.client.xadd(key, '*', ...fields)), 'XADD');
  }

  async xreadgroup(read: ReadGroup): Promise<RawEntry[]> {
    const reply = await this.run('xreadgroup', () => this.client.call('XREADGROUP', ...readGroupArgs(read)));
    return entriesOfStreamReply(reply, 'XREADGROUP');
  }

  async readBetweenScripts(
    read: ReadGroup,
    before: ScriptCall,
    after: ScriptCall,
  ): Promise<{ before: unknown; entries: RawEntry[]; after: unknown }> {
    const client = this.client;
    this.ensureLoaded(before.script);
    this.ensureLoaded(after.script);
    const names = ['multi', 'evalsha', 'xreadgroup', 'evalsha'];
    // MULTI/EXEC written as plain commands sent back to back: cheaper than ioredis' multi() object.
    let queued: Array<Promise<unknown>> = [];
    const exec = this.run('exec', () => {
      queued = [
        client.call('MULTI'),
        client.call('EVALSHA', before.script.sha, before.keys.length, ...before.keys, ...before.args),
        client.call('XREADGROUP', ...readGroupArgs(read)),
        client.call('EVALSHA', after.script.sha, after.keys.length, ...after.keys, ...after.args),
      ];
      // Each queued reply (+QUEUED, or the error EXECABORT then stands for) is settled here so
      // none is left unhandled; EXEC's reply carries the outcome.
      for (const p of queued) p.catch(() => {});
      return client.call('EXEC');
    }).catch(async (err: unknown) => {
      // EXECABORT only says a queued command was refused: report that command's own error.
      if (!(err instanceof RedisCommandError) || err.redisCode !== 'EXECABORT') throw err;
      const settled = await Promise.allSettled(queued);
      const refused = settled.findIndex((r) => r.status === 'rejected');
      const first = settled[refused];
      throw first?.status === 'rejected' ? this.translate(first.reason, names[refused] ?? 'exec', true) : err;
    });
    const replies: unknown = await exec;
    if (!isArrayOf3(replies)) throw new UnexpectedReplyError('EXEC: expected 3 replies');
    const [beforeReply, readReply, afterReply] = replies;
    if (readReply instanceof Error) throw this.translate(readReply, 'xreadgroup', true);
    const entries = entriesOfStreamReply(readReply, 'XREADGROUP');
    return {
      before: this.scriptReply(beforeReply, before.script),
      entries,
      after: this.scriptReply(afterReply, after.script),
    };
  }

  /** A script's reply inside a transaction: its value, or null when it was missing (NOSCRIPT). */
  private scriptReply(reply: unknown, script: LuaScript): unknown {
    if (!(reply instanceof Error)) return reply;
    const err = this.translate(reply, 'evalsha', true);
    if (!(err instanceof RedisCommandError) || err.redisCode !== 'NOSCRIPT') throw err;
    // The script cache was flushed behind this connection's back (SCRIPT FLUSH).
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
    this.ensureLoaded(script);
    const waited = this.run('xread', () =>
      this.client.call('XREAD', 'COUNT', 1, 'BLOCK', wait.blockMs, 'STREAMS', waitKey, wait.afterId),
    );
    const ran = this.run('evalsha', () => this.client.evalsha(script.sha, keys.length, ...keys, ...args));
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

  async xrange(key: string, start: string, end: string, count: number): Promise<RawEntry[]> {
    return this.run('xrange', () => this.client.xrange(key, start, end, 'COUNT', count));
  }

  async xrangeRawFields(key: string, id: string): Promise<Buffer[] | null> {
    const reply = await this.run('xrange', () => this.client.xrangeBuffer(key, id, id));
    const entry = reply[0];
    return entry === undefined ? null : entry[1];
  }

  async xdel(key: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.run('xdel', () => this.client.xdel(key, ...ids));
  }

  async getString(key: string): Promise<string | null> {
    return this.run('get', () => this.client.get(key));
  }

  async xrevrangeLast(key: string): Promise<string | null> {
    const reply = await this.run('xrevrange', () => this.client.xrevrange(key, '+', '-', 'COUNT', 1));
    return reply[0]?.[0] ?? null;
  }

  async deleteStream(key: string): Promise<number> {
    // XLEN and DEL in one MULTI/EXEC, so the count is what was deleted.
    const reply = await this.run('exec', () => this.client.multi().xlen(key).del(key).exec());
    const count = reply?.[0]?.[1];
    return typeof count === 'number' ? count : 0;
  }

  async xlen(key: string): Promise<number> {
    return this.run('xlen', () => this.client.xlen(key));
  }

  async xack(key: string, group: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.run('xack', () => this.client.xack(key, group, ...ids));
  }

  async xgroupCreate(key: string, group: string, id: string): Promise<'created' | 'exists'> {
    try {
      await this.run('xgroup', () => this.client.xgroup('CREATE', key, group, id, 'MKSTREAM'));
      return 'created';
    } catch (err) {
      if (err instanceof RedisCommandError && err.redisCode === 'BUSYGROUP') return 'exists';
      throw err;
    }
  }

  async runScript(script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await this.run('evalsha', () => this.client.evalsha(script.sha, keys.length, ...keys, ...args));
    } catch (err) {
      if (err instanceof RedisCommandError && err.redisCode === 'NOSCRIPT') {
        return this.run('eval', () => this.client.eval(script.lua, keys.length, ...keys, ...args));
      }
      throw err;
    }
  }

  async configGet(parameter: string): Promise<string | null> {
    const reply: unknown = await this.run('config', () => this.client.config('GET', parameter));
    return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : null;
  }

  async time(): Promise<number> {
    const [seconds, micros] = await this.run('time', () => this.client.time());
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  async clientId(): Promise<number> {
    return Number(await this.run('client', () => this.client.client('ID')));
  }

  async clientUnblock(id: number): Promise<boolean> {
    return Number(await this.run('client', () => this.client.client('UNBLOCK', id))) === 1;
  }
}

function isArrayOf3(value: unknown): value is [unknown, unknown, unknown] {
  return Array.isArray(value) && value.length === 3;
}

/**
 * The {@link RedisPort} over an ioredis 6 client that the library owns: a connection to one server
 * (standalone, or the primary Sentinel points to) or a Cluster client (see ioredis-link.ts for what
 * differs; ioredis-options.ts for the settings). It translates every failure into the library's
 * error classes, checks every reply's shape, and follows the connection's state for `getStats()`.
 */
import { ConnectionError, RedisCommandError, UnexpectedReplyError, type RedisStreamerError } from '../errors.js';
import { ConnectionTracker } from './connection-state.js';
import { translateCommandError } from './ioredis-errors.js';
import { quiet, watchCluster, watchSentinels } from './ioredis-hooks.js';
import { ClientLifecycle } from './ioredis-lifecycle.js';
import { ioredis } from './ioredis-library.js';
import { INSPECT } from './safe-inspect.js';
import { clusterLink, serverLink, type CommandArgs, type Link, type WriteProbe } from './ioredis-link.js';
import {
  clusterEndpointOf,
  endpointOf,
  readGroupArgs,
  type ClusterClientOptions,
  type Endpoint,
  type ServerOptions,
} from './ioredis-options.js';
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

/** Adapts one ioredis client that this library owns. */
export class IoredisPort implements RedisPort {
  readonly label: string;
  readonly endpoint: string;
  private readonly user: string;
  /** Whether the client is a cluster client. */
  private readonly cluster: boolean;
  private readonly link: Link;
  private readonly tracker: ConnectionTracker;
  private readonly lifecycle: ClientLifecycle;
  lastDataAt = 0;
  /** Scripts known to be loaded where this client runs them (cleared when a connection closes). */
  private readonly loaded = new Set<LuaScript>();
  private reportedLoadFailure = false;
  /** How to fail each command in flight (see {@link abandonPending}). */
  private readonly pending = new Set<() => void>();

  /** A connection to one server (or Sentinel's primary), with options already the library's. */
  static server(options: ServerOptions, label: string): IoredisPort {
    const client = new (ioredis().Redis)(options);
    const port = new IoredisPort(serverLink(client), label, endpointOf(options), false);
    const warn = (message: string): void => port.tracker.warning(message);
    quiet(client, warn);
    watchSentinels(client, port.lifecycle.round, warn);
    return port;
  }

  /** A cluster client, with options already the library's. */
  static cluster(
    nodes: ReadonlyArray<{ host: string; port: number }>,
    options: ClusterClientOptions,
    label: string,
  ): IoredisPort {
    const { tls } = options.redisOptions;
    const where = clusterEndpointOf(nodes, options.redisOptions.username, tls !== undefined && tls !== null);
    const client = new (ioredis().Cluster)([...nodes], options);
    const port = new IoredisPort(clusterLink(client), label, where, true);
    port.lifecycle.onClose(watchCluster(client, port.lifecycle.round, (message) => port.tracker.warning(message)));
    return port;
  }

  private constructor(link: Link, label: string, where: Endpoint, cluster: boolean) {
    this.link = link;
    this.cluster = cluster;
    this.label = label;
    this.endpoint = where.endpoint;
    this.user = where.user;
    this.tracker = new ConnectionTracker(label, where.endpoint, where.tls === true);
    this.lifecycle = new ClientLifecycle(link, this.tracker, where, label);
    // The read watchdog tells a slow reply from none by when data last arrived.
    link.onSocketData(() => {
      this.lastDataAt = performance.now();
    });
    // A new connection may reach a server whose script cache is empty (a restart, a failover).
    link.onServersChanged(() => this.loaded.clear());
  }

  /** util.inspect shows the label and endpoint, never the client (whose options hold the password). */
  [INSPECT](): string {
    return `RedisPort <${this.label} ${this.endpoint}>`;
  }

  status(): ConnectionStatus {
    return this.tracker.status();
  }

  /**
   * Runs one client call, translating its failure. Whether the command may have reached Redis is
   * what happened to it, followed by the probe: written to a socket (its outcome is then unknown),
   * or failed while still queued for a connection (ioredis' offline queue: it certainly never ran),
   * whatever the connection's state when it was issued. See the port's contract on `sent`.
   */
  private run<T>(command: string, call: (probe: WriteProbe) => Promise<T>): Promise<T> {
    if (this.tracker.fatal !== undefined) return Promise.reject(this.tracker.fatal);
    const probe: WriteProbe = { written: false };
    return new Promise<T>((resolve, reject) => {
      const abandon = (): void => reject(this.closedError(command, probe.written));
      this.pending.add(abandon);
      call(probe).then(
        (value) => {
          this.pending.delete(abandon);
          resolve(value);
        },
        (err: unknown) => {
          this.pending.delete(abandon);
          reject(this.translate(err, command, probe.written));
        },
      );
    });
  }

  /**
   * Fails every command still pending once the client is closed. ioredis may keep one that was cut
   * by a failover in a queue no close reaches (a cluster's retry of a command whose node went
   * away), and its promise would then never settle: a read awaiting it would hold its loop, and
   * the process, forever. A reply that comes later is ignored.
   */
  private abandonPending(): void {
    const pending = [...this.pending];
    this.pending.clear();
    for (const abandon of pending) abandon();
  }

  private closedError(command: string, sent: boolean): ConnectionError {
    const message = `the connection "${this.label}" to ${this.endpoint} was closed with ${command.toUpperCase()} pending`;
    return new ConnectionError(this.endpoint, message, { sent });
  }

  private call(name: string, ...args: Array<string | number>): Promise<unknown> {
    return this.run(name.toLowerCase(), (probe) => this.link.call(probe, name, ...args));
  }

  private translate(err: unknown, command: string, sent: boolean): RedisStreamerError {
    return translateCommandError(err, {
      endpoint: this.endpoint,
      user: this.user,
      command,
      sent,
      connectionFailure: this.tracker.fatal ?? this.tracker.down,
      cluster: this.cluster,
    });
  }

  async connect(): Promise<void> {
    await this.call('PING');
  }

  /**
   * Makes sure a script that will run inside a transaction (or behind a wait) is loaded: a SCRIPT
   * LOAD sent just before, on the same connection, is executed before it. A NOSCRIPT inside a
   * transaction would come after the read had happened.
   */
  private ensureLoaded(script: LuaScript): Promise<void> | undefined {
    if (this.loaded.has(script)) return undefined;
    this.loaded.add(script);
    const loading = this.run('script', (probe) => this.link.loadScript(script.lua, probe));
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
    await this.lifecycle.close();
    this.abandonPending();
  }

  destroy(): void {
    this.lifecycle.destroy();
    this.abandonPending();
  }

  on<E extends keyof PortEvents>(event: E, listener: PortEvents[E]): void {
    this.tracker.on(event, listener);
  }

  async xadd(key: string, fields: readonly string[]): Promise<string> {
    return stringReply(await this.call('XADD', key, '*', ...fields), 'XADD');
  }

  async xreadgroup(read: ReadGroup): Promise<RawEntry[]> {
    return entriesOfStreamReply(await this.call('XREADGROUP', ...readGroupArgs(read)), 'XREADGROUP');
  }

  async readBetweenScripts(
    read: ReadGroup,
    before: ScriptCall,
    after: ScriptCall,
  ): Promise<{ before: unknown; entries: RawEntry[]; after: unknown }> {
    await Promise.all([this.ensureLoaded(before.script), this.ensureLoaded(after.script)]);
    const commands: CommandArgs[] = [
      ['EVALSHA', before.script.sha, before.keys.length, ...before.keys, ...before.args],
      ['XREADGROUP', ...readGroupArgs(read)],
      ['EVALSHA', after.script.sha, after.keys.length, ...after.keys, ...after.args],
    ];
    const [beforeReply, readReply, afterReply] = await this.run('exec', (probe) =>
      this.link.transaction(commands, probe),
    );
    if (readReply instanceof Error) throw this.translate(readReply, 'xreadgroup', true);
    return {
      before: this.scriptReply(beforeReply, before.script),
      entries: entriesOfStreamReply(readReply, 'XREADGROUP'),
      after: this.scriptReply(afterReply, after.script),
    };
  }

  /** A script's reply inside a transaction: its value, or null when it was missing (NOSCRIPT). */
  private scriptReply(reply: unknown, script: LuaScript): unknown {
    if (!(reply instanceof Error)) return reply;
    const err = this.translate(reply, 'evalsha', true);
    if (!(err instanceof RedisCommandError) || err.redisCode !== 'NOSCRIPT') throw err;
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
    const waited = this.call('XREAD', 'COUNT', 1, 'BLOCK', wait.blockMs, 'STREAMS', waitKey, wait.afterId);
    const ran = this.call('EVALSHA', script.sha, keys.length, ...keys, ...args);
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
    const cached = await this.scriptThenWait(['EVALSHA', script.sha], keys, args, wait);
    if (cached !== undefined) return cached;
    // Not in the server's cache: EVAL caches it as it runs (SCRIPT LOAD may not be granted).
    const loaded = await this.scriptThenWait(['EVAL', script.lua], keys, args, wait);
    if (loaded === undefined) throw new UnexpectedReplyError('EVAL: the script was not run');
    return loaded;
  }

  /** One script call and WAIT in one write; undefined when the script was not in the cache. */
  private async scriptThenWait(
    [command, script]: [string, string],
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
    wait: { readonly replicas: number; readonly timeoutMs: number },
  ): Promise<{ result: unknown; waited: number | RedisStreamerError } | undefined> {
    const [ran, waited] = await this.run(command.toLowerCase(), (probe) =>
      this.link.pipeline(
        [
          [command, script, keys.length, ...keys, ...args],
          ['WAIT', wait.replicas, wait.timeoutMs],
        ],
        probe,
      ),
    );
    if (ran instanceof Error) {
      const err = this.translate(ran, command.toLowerCase(), true);
      if (err instanceof RedisCommandError && err.redisCode === 'NOSCRIPT' && command === 'EVALSHA') return undefined;
      throw err;
    }
    // The script ran: a WAIT that failed after it is returned, not thrown (its writes happened).
    if (waited instanceof Error) return { result: ran, waited: this.translate(waited, 'wait', true) };
    return { result: ran, waited: intReply(waited, 'WAIT') };
  }

  async waitForEntries(
    keys: readonly string[],
    afterIds: readonly string[],
    blockMs: number | undefined,
  ): Promise<Array<[key: string, id: string]>> {
    const block = blockMs === undefined ? [] : ['BLOCK', blockMs];
    const reply = await this.call('XREAD', 'COUNT', 1, ...block, 'STREAMS', ...keys, ...afterIds);
    return firstIdsOfStreamsReply(reply, 'XREAD');
  }

  async xrange(key: string, start: string, end: string, count: number): Promise<RawEntry[]> {
    return entriesReply(await this.call('XRANGE', key, start, end, 'COUNT', count), 'XRANGE');
  }

  async xrangeRawFields(key: string, id: string): Promise<Buffer[] | null> {
    const reply = await this.run('xrange', (probe) => this.link.callBuffer(probe, 'XRANGE', key, id, id));
    return rawFieldsReply(reply, 'XRANGE');
  }

  async xdel(key: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return intReply(await this.call('XDEL', key, ...ids), 'XDEL');
  }

  async getString(key: string): Promise<string | null> {
    return nullableStringReply(await this.call('GET', key), 'GET');
  }

  async xrevrangeLast(key: string): Promise<string | null> {
    const reply = entriesReply(await this.call('XREVRANGE', key, '+', '-', 'COUNT', 1), 'XREVRANGE');
    return reply[0]?.[0] ?? null;
  }

  async deleteStream(key: string): Promise<number> {
    // XLEN and DEL in one MULTI/EXEC, so the count is what was deleted.
    const [count] = await this.run('exec', (probe) =>
      this.link.transaction(
        [
          ['XLEN', key],
          ['DEL', key],
        ],
        probe,
      ),
    );
    return intReply(count, 'XLEN');
  }

  async xlen(key: string): Promise<number> {
    return intReply(await this.call('XLEN', key), 'XLEN');
  }

  async xack(key: string, group: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return intReply(await this.call('XACK', key, group, ...ids), 'XACK');
  }

  async runScript(script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await this.call(script.readOnly ? 'EVALSHA_RO' : 'EVALSHA', script.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof RedisCommandError && err.redisCode === 'NOSCRIPT') {
        return this.call(script.readOnly ? 'EVAL_RO' : 'EVAL', script.lua, keys.length, ...keys, ...args);
      }
      throw err;
    }
  }

  keysOfType(type: string): Promise<string[]> {
    return this.run('scan', (probe) => this.link.keysOfType(type, probe));
  }

  async configGet(parameter: string): Promise<string | null> {
    const reply = await this.call('CONFIG', 'GET', parameter);
    return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : null;
  }

  async time(): Promise<number> {
    const reply = await this.call('TIME');
    if (!Array.isArray(reply) || typeof reply[0] !== 'string' || typeof reply[1] !== 'string') {
      throw new UnexpectedReplyError('TIME: expected [seconds, microseconds]');
    }
    return Number(reply[0]) * 1000 + Math.floor(Number(reply[1]) / 1000);
  }

  async clientId(): Promise<number | undefined> {
    return this.run('client', (probe) => this.link.clientId(probe));
  }

  async clientUnblock(id: number): Promise<boolean> {
    return intReply(await this.call('CLIENT', 'UNBLOCK', id), 'CLIENT UNBLOCK') === 1;
  }
}

/**
 * One connection to one server over node-redis, reconnecting with the library's backoff. Each
 * attempt is a new node-redis client that never reconnects by itself: this class decides when to
 * try again (50 ms doubling to 1 s, with jitter), where to (a fixed server, or the primary the
 * sentinels name at that moment), and what happens to the commands meanwhile.
 *
 * - Commands are written only to a connection that is ready (logged in, database selected, checked):
 *   while there is none they wait here, and fail, never sent, when the next attempt fails. So no
 *   command can run before a SELECT that fails, nor on a server that is not the primary.
 * - Whether a failed command had been written to the socket is known from what happened to it:
 *   every command carries its connection's abort signal, which node-redis stops watching once the
 *   command is written. When the connection is lost or closed, the signal is aborted first: the
 *   commands still queued are removed and fail as never sent; those already written fail with the
 *   socket's error, as sent.
 * - A command in flight when the link drops fails at once (nothing is re-sent after a reconnect:
 *   a re-sent XADD or script could run twice).
 */
import { setMaxListeners } from 'node:events';
import { ConnectionError, type RedisStreamerError } from '../errors.js';
import { backoffDelay } from './backoff.js';
import { resetBeforeFirstAnswer } from './diagnosis.js';
import { handshake, withoutUnneededLogin } from './node-redis-handshake.js';
import { socketsReleased, within } from './node-redis-sockets.js';
import {
  copyOf,
  isReplyError,
  isUnsent,
  translateCommandError,
  translateConnectionError,
  type Where,
} from './node-redis-errors.js';
import {
  nodeRedis,
  type NodeRedisClient,
  type NodeRedisClientOptions,
  type SendOptions,
} from './node-redis-library.js';

/** Where each attempt connects, and what it checks before the connection is used. */
export interface Target {
  /**
   * The client options of the next attempt (asking the sentinels first, for a Sentinel setup);
   * `stop` aborts when the connection is closed meanwhile (nothing opened for it may stay open);
   * `warn` hears what ioredis would have printed (a sentinel that needed no login).
   */
  resolve(stop: AbortSignal, warn: (message: string) => void): Promise<NodeRedisClientOptions>;
  /** Checks a new connection before it is ready (rejects to fail the attempt). */
  verify?(send: (args: readonly string[]) => Promise<unknown>): Promise<void>;
  /** Whether a reply error says the connection reached the wrong server (cut it, find the right one). */
  wrongServer?(err: Error): boolean;
}

/** What the owner of a connection hears. */
export interface ConnectionListener {
  connecting(): void;
  ready(): void;
  /** A connection-level error; returns true when it closes the connection for good. */
  error(err: RedisStreamerError): boolean;
  /** The connection was lost (not closed by the library). */
  lost(): void;
  reconnecting(delayMs: number): void;
  /** Reply data arrived. */
  data(): void;
  /** The servers behind a cluster changed (a primary added or gone): their script caches differ. */
  serversChanged?(): void;
  /** What ioredis would have printed on the console (a login the server did not need). */
  warning?(message: string): void;
}

/** The settings of one connection. */
export interface ConnectionSettings {
  readonly label: string;
  readonly where: Where;
  readonly target: Target;
  readonly connectTimeoutMs: number;
  /** Cut the connection after this long without reply data while replies are awaited (none: never). */
  readonly replyTimeoutMs: number | undefined;
}

/** Reconnect delays: 50 ms doubling to 1 s, with jitter. */
export function reconnectDelay(attempt: number): number {
  return backoffDelay(attempt, 50, 1000);
}

/** One node-redis client: one attempt, and the connection it made. */
interface Live {
  readonly client: NodeRedisClient;
  /** Aborted when the connection is lost or closed: what is still queued fails as never sent. */
  readonly abort: AbortController;
  readonly options: SendOptions;
  readonly bufferOptions: SendOptions;
  ready: boolean;
}

interface Waiter {
  resolve(live: Live): void;
  reject(err: RedisStreamerError): void;
}

/** A reconnecting connection to one server. */
export class NodeRedisConnection {
  private live: Live | undefined;
  /** The attempt under way, if any. */
  private attempting: Promise<void> | undefined;
  /** Aborted when the connection is closed: stops an attempt under way. */
  private readonly stopping = new AbortController();
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  /** Whether it has been ready once (a reset before that may be a misconfiguration). */
  private everReady = false;
  private waiters: Waiter[] = [];
  private closed = false;
  /** Why the connection is down (cleared when it is ready again). */
  private down: RedisStreamerError | undefined;
  /** An error that closed the connection for good (a database that does not exist). */
  private fatal: RedisStreamerError | undefined;
  private inflight = 0;
  private busySince = 0;
  private lastDataAt = 0;
  private replyTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly settings: ConnectionSettings,
    private readonly listener: ConnectionListener,
  ) {}

  /** Whether a connection is ready (commands are written at once). */
  get ready(): boolean {
    return this.live?.ready === true;
  }

  /**
   * Sends one command; resolves to its reply (blob strings as Buffers with `buffers`). Rejects with
   * the library's errors; a {@link ConnectionError} tells whether the command had been written.
   */
  send(args: readonly string[], buffers = false): Promise<unknown> {
    const live = this.live;
    if (live?.ready === true) return this.write(live, args, buffers);
    return this.whenReady().then(
      (ready) => this.write(ready, args, buffers),
      (err: unknown) => Promise.reject(this.failure(err, args[0], false)),
    );
  }

  /** Sends commands back to back, in one write on one connection; a promise per command. */
  sendAll(commands: ReadonlyArray<readonly string[]>): Array<Promise<unknown>> {
    const live = this.live;
    if (live?.ready === true) return commands.map((args) => this.write(live, args, false));
    const ready = this.whenReady();
    return commands.map((args) =>
      ready.then(
        (l) => this.write(l, args, false),
        (err: unknown) => Promise.reject(this.failure(err, args[0], false)),
      ),
    );
  }

  private write(live: Live, args: readonly string[], buffers: boolean): Promise<unknown> {
    if (this.inflight++ === 0) this.busy();
    return live.client.sendCommand(args, buffers ? live.bufferOptions : live.options).then(
      (reply) => {
        this.inflight--;
        return reply;
      },
      (err: unknown) => {
        this.inflight--;
        if (isReplyError(err) && this.settings.target.wrongServer?.(err) === true) this.cut(live, err);
        throw this.failure(err, args[0], true);
      },
    );
  }

  /** A command's failure: `written` false when it never reached node-redis' queue. */
  private failure(err: unknown, name: string | undefined, written: boolean): RedisStreamerError {
    const command = (name ?? '').toLowerCase();
    const sent = written && !isReplyError(err) && !isUnsent(err);
    return translateCommandError(err, this.settings.where, { command, sent, down: this.down });
  }

  /** Resolves once a connection is ready, connecting if needed; rejects when the attempt fails. */
  private whenReady(): Promise<Live> {
    if (this.fatal !== undefined) return Promise.reject(copyOf(this.fatal));
    if (this.closed) return Promise.reject(this.closedError());
    const promise = new Promise<Live>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.start();
    return promise;
  }

  /** Starts an attempt unless one is under way or scheduled. */
  private start(): void {
    if (this.closed || this.live !== undefined || this.attempting !== undefined || this.retryTimer !== undefined) {
      return;
    }
    this.attempting = this.connectOnce().finally(() => (this.attempting = undefined));
  }

  private async connectOnce(): Promise<void> {
    this.listener.connecting();
    let live: Live | undefined;
    try {
      const options = await this.settings.target.resolve(this.stopping.signal, (m) => this.listener.warning?.(m));
      if (this.closed) return;
      live = this.open(options);
      try {
        await handshake(live.client, this.settings);
      } catch (err) {
        const plain = withoutUnneededLogin(options, err);
        if (plain === undefined || this.closed) throw err;
        live.abort.abort();
        live.client.destroy();
        live = this.open(plain.options);
        await handshake(live.client, this.settings);
        this.listener.warning?.(plain.warning);
      }
    } catch (err) {
      this.attemptFailed(live, err);
      return;
    }
    if (this.closed || this.live !== live) {
      live.abort.abort();
      live.client.destroy();
      return;
    }
    live.ready = true;
    this.everReady = true;
    this.attempt = 0;
    this.down = undefined;
    this.listener.ready();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve(live);
  }

  private open(options: NodeRedisClientOptions): Live {
    const lib = nodeRedis();
    const client = lib.createClient(options);
    const abort = new AbortController();
    setMaxListeners(0, abort.signal); // one listener per queued command
    const live: Live = {
      client,
      abort,
      options: { abortSignal: abort.signal },
      bufferOptions: { abortSignal: abort.signal, typeMapping: { [lib.RESP_TYPES.BLOB_STRING]: Buffer } },
      ready: false,
    };
    this.live = live;
    client.on('error', (err: unknown) => this.onClientError(live, err));
    this.watchData(client);
    return live;
  }

  /** The data chunks of the socket, seen by node-redis' decoder (or, failing that, each reply). */
  private watchData(client: NodeRedisClient): void {
    const decoder = client._getQueue?.().decoder;
    const write = decoder?.write;
    if (decoder === undefined || typeof write !== 'function') return;
    decoder.write = (chunk: Buffer) => {
      this.lastDataAt = performance.now();
      this.listener.data();
      return write.call(decoder, chunk);
    };
  }

  private onClientError(live: Live, err: unknown): void {
    if (live !== this.live || !live.ready) return; // an old client, or an attempt (failed by connect())
    if (live.client.isReady) {
      this.listener.error(translateConnectionError(err, this.settings.where));
      return;
    }
    // The socket is gone; node-redis fails what it wrote with this error right after this event.
    this.lost(live, err);
    queueMicrotask(() => live.client.destroy());
  }

  /** Cuts a connection that reached the wrong server (or hung), and reconnects. */
  private cut(live: Live, err: unknown): void {
    if (live !== this.live) return;
    this.lost(live, err);
    live.client.destroy();
  }

  private lost(live: Live, err: unknown): void {
    live.ready = false;
    this.live = undefined;
    live.abort.abort(); // what is still queued was never written: it fails as never sent
    const translated = translateConnectionError(err, this.settings.where);
    this.down = translated;
    this.listener.error(translated);
    this.listener.lost();
    this.scheduleRetry();
  }

  private attemptFailed(live: Live | undefined, err: unknown): void {
    if (live !== undefined) {
      if (this.live === live) this.live = undefined;
      live.abort.abort();
      live.client.destroy();
    }
    if (this.closed) return;
    const error = translateConnectionError(err, this.settings.where);
    const translated = this.everReady || this.settings.where.tls === true ? error : resetBeforeFirstAnswer(error);
    this.down = translated;
    const fatal = this.listener.error(translated);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(copyOf(translated));
    if (fatal) {
      this.fatal = translated;
      this.closed = true;
      return;
    }
    // Scheduled (and announced) once the waiters have heard: an owner that closes the connection in
    // answer hears of no reconnect (as with ioredis, which reconnects once the socket has closed).
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.scheduleRetry();
    }, 0);
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    const delay = reconnectDelay(++this.attempt);
    this.listener.reconnecting(delay);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.start();
    }, delay);
  }

  /** Arms the reply timeout when the first command of a busy spell is sent. */
  private busy(): void {
    const limit = this.settings.replyTimeoutMs;
    if (limit === undefined || this.replyTimer !== undefined) return;
    this.busySince = performance.now();
    const check = (): void => {
      this.replyTimer = undefined;
      if (this.inflight === 0 || this.live === undefined) return;
      const quiet = performance.now() - Math.max(this.busySince, this.lastDataAt);
      if (quiet < limit) {
        this.replyTimer = setTimeout(check, limit - quiet);
        return;
      }
      this.cut(this.live, new Error(`no reply for ${Math.round(quiet)} ms`));
    };
    this.replyTimer = setTimeout(check, limit);
  }

  /**
   * Closes: lets written commands finish (at most 1 s), then cuts; commands not yet sent fail. Resolves
   * once the sockets are released (an attempt under way is stopped and waited for, at most 1 s).
   */
  async close(): Promise<void> {
    const attempt = this.attempting;
    const live = this.shutDown();
    if (live?.ready === true)
      await within(
        1000,
        live.client.close().catch(() => {}),
      );
    if (live !== undefined) {
      live.abort.abort();
      live.client.destroy();
    }
    if (attempt !== undefined) await within(1000, attempt);
    await socketsReleased();
  }

  /** Closes at once: commands not yet written fail as never sent, those written as sent. */
  destroy(): void {
    const live = this.shutDown();
    if (live === undefined) return;
    live.abort.abort();
    live.client.destroy();
  }

  private shutDown(): Live | undefined {
    this.closed = true;
    this.stopping.abort();
    clearTimeout(this.retryTimer);
    clearTimeout(this.replyTimer);
    this.retryTimer = undefined;
    this.replyTimer = undefined;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(this.closedError());
    const live = this.live;
    this.live = undefined;
    return live;
  }

  private closedError(): ConnectionError {
    const { label, where } = this.settings;
    return new ConnectionError(where.endpoint, `the connection "${label}" to ${where.endpoint} was closed`);
  }
}

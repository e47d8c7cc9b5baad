/**
 * A channel consumer's own connection for its reads and waits, with a watchdog: a read that sees
 * no reply data for blockMs + 1 s sits on a hung connection (a dead peer that never closed the
 * socket); the connection is cut, which fails the read, and a new one is opened. On stop, a wait in
 * progress is ended with CLIENT UNBLOCK (sent on the shared connection), so shutdown does not wait
 * for the block to time out.
 */
import type { Connections } from '../connection/connections.js';
import type { RedisPort } from '../connection/port.js';
import { sleep, systemClock, type Clock } from '../timers.js';

/** Extra time a blocking read gets before its connection is presumed hung. */
export const WATCHDOG_GRACE_MS = 1000;

/** The read connection of one channel consumer. */
export class ReadConnection {
  private current: RedisPort | undefined;
  private clientId: number | undefined;
  /** Set when the watchdog replaced the connection: the failed read is retried at once. */
  private replaced = false;
  private waiting = false;
  private readyWaiters = new Set<() => void>();

  private readonly lostListeners = new Set<() => void>();

  constructor(
    private readonly connections: Connections,
    private readonly label: string,
    private readonly blockMs: number,
    /** The watchdog's timers and the reconnect backoff run on it (quiet time is measured in real time). */
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Calls `listener` whenever the connection is lost with reads possibly in flight (their replies
   * lost). Returns a function that removes it.
   */
  onLost(listener: () => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  private lost(): void {
    for (const listener of this.lostListeners) listener();
  }

  /** The connection, opened on first use (and again after the watchdog replaced it). */
  port(): RedisPort {
    if (this.current !== undefined) return this.current;
    const port = this.connections.blocking(this.label);
    port.on('reconnecting', () => {
      if (this.current !== port) return;
      this.clientId = undefined;
      this.lost();
    });
    port.on('ready', () => {
      for (const wake of this.readyWaiters) wake();
      port.clientId().then(
        (id) => {
          if (this.current === port) this.clientId = id;
        },
        () => {},
      );
    });
    this.current = port;
    return port;
  }

  /**
   * Runs a read under the watchdog. `wait` marks a blocking wait, which {@link unblock} may end.
   */
  async watch<T>(read: (port: RedisPort) => Promise<T>, wait = false): Promise<T> {
    const port = this.port();
    const started = performance.now();
    const limit = this.blockMs + WATCHDOG_GRACE_MS;
    let settled = false;
    let cancel: (() => void) | undefined;
    const check = (): void => {
      const quietFor = performance.now() - Math.max(started, port.lastDataAt);
      if (quietFor < limit) {
        cancel = this.clock.setTimer(limit - quietFor, check);
        return;
      }
      // Checked again after the pending I/O of the event loop: if long synchronous handlers kept it
      // busy, a reply that already arrived is processed first and wins.
      setImmediate(() => {
        if (settled || this.current !== port || performance.now() - Math.max(started, port.lastDataAt) < limit) {
          if (!settled) cancel = this.clock.setTimer(limit, check);
          return;
        }
        this.replaced = true;
        this.current = undefined;
        this.clientId = undefined;
        this.lost();
        this.connections.replaceHung(port, this.label, limit);
      });
    };
    cancel = this.clock.setTimer(limit, check);
    this.waiting = wait;
    try {
      return await read(port);
    } finally {
      settled = true;
      this.waiting = false;
      cancel();
    }
  }

  /** Whether the last failed read failed because the watchdog replaced the connection (and resets it). */
  takeReplaced(): boolean {
    const replaced = this.replaced;
    this.replaced = false;
    return replaced;
  }

  /** Sleeps up to `ms`, ending early when the connection is ready again or `signal` aborts. */
  async untilReadyOr(ms: number, signal: AbortSignal): Promise<void> {
    const wake = new AbortController();
    const onReady = (): void => wake.abort();
    const onStop = (): void => wake.abort();
    this.readyWaiters.add(onReady);
    signal.addEventListener('abort', onStop, { once: true });
    await sleep(ms, wake.signal, this.clock);
    this.readyWaiters.delete(onReady);
    signal.removeEventListener('abort', onStop);
  }

  /**
   * Ends a wait in progress: CLIENT UNBLOCK on the shared connection makes it return as if timed
   * out, and the read behind it still runs and reaches this consumer, so nothing is lost. If Redis
   * cannot be asked, the connection is cut: the wait consumes nothing, and Redis drops the queued
   * read with it.
   */
  async unblock(command: () => Promise<RedisPort>): Promise<void> {
    if (!this.waiting) return;
    const id = this.clientId;
    if (id !== undefined) {
      try {
        await (await command()).clientUnblock(id);
        return;
      } catch {
        // fall through
      }
    }
    if (this.waiting && this.current !== undefined) {
      this.connections.discard(this.current);
      this.current = undefined;
    }
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    const port = this.current;
    this.current = undefined;
    if (port !== undefined) await this.connections.release(port);
  }
}

/**
 * A channel consumer's own connection for its reads and waits, with a watchdog: a read that sees
 * no reply data for blockMs + 1 s sits on a hung connection (a dead peer that never closed the
 * socket); the connection is cut, which fails the read, and a new one is opened. On stop, a wait in
 * progress is ended with CLIENT UNBLOCK (sent on the shared connection), so shutdown does not wait
 * for the block to time out.
 *
 * Closing releases everything, whatever state a read is in: a read still in flight is abandoned
 * (its caller gets a ConnectionError at once; a client that never settles it after a failover
 * cannot hold the loop) and its watchdog stops, as does the watchdog of a read whose connection
 * was replaced or closed (that read fails with its connection: see the port's contract on
 * closing). No timer outlives close().
 */
import type { Connections } from '../connection/connections.js';
import type { RedisPort } from '../connection/port.js';
import { ConnectionError } from '../errors.js';
import { sleep, systemClock, type Clock } from '../timers.js';

/** Extra time a blocking read gets before its connection is presumed hung. */
export const WATCHDOG_GRACE_MS = 1000;

/** How many times a stop asks Redis to end a wait it does not see blocked yet, and how often. */
const UNBLOCK_TRIES = 20;
const UNBLOCK_RETRY_MS = 5;

/** The read connection of one channel consumer. */
export class ReadConnection {
  private current: RedisPort | undefined;
  private clientId: number | undefined;
  /** Set when the watchdog replaced the connection: the failed read is retried at once. */
  private replaced = false;
  private waiting = false;
  private readyWaiters = new Set<() => void>();

  private readonly lostListeners = new Set<() => void>();
  /** The reads in flight, each with how to abandon it (on close). */
  private readonly inFlight = new Set<(err: Error) => void>();

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
   * Rejects with a ConnectionError at once when the connection is closed meanwhile.
   */
  async watch<T>(read: (port: RedisPort) => Promise<T>, wait = false): Promise<T> {
    const port = this.port();
    const watchdog = this.watchdog(port);
    let abandon: (err: Error) => void = () => {};
    const abandoned = new Promise<never>((_, reject) => (abandon = reject));
    this.inFlight.add(abandon);
    this.waiting = wait;
    const reading = read(port);
    reading.catch(() => {}); // an abandoned read may still settle later
    try {
      return await Promise.race([reading, abandoned]);
    } finally {
      this.inFlight.delete(abandon);
      this.waiting = false;
      watchdog.stop();
    }
  }

  /**
   * Cuts `port` when no reply data arrives for blockMs + grace while a read is in flight. Checks
   * stop with the read, and once the port is no longer this connection's (replaced or closed: the
   * read then fails with it), so no timer is left running.
   */
  private watchdog(port: RedisPort): { stop: () => void } {
    const started = performance.now();
    const limit = this.blockMs + WATCHDOG_GRACE_MS;
    let stopped = false;
    let cancel: (() => void) | undefined;
    const quietFor = (): number => performance.now() - Math.max(started, port.lastDataAt);
    const check = (): void => {
      if (stopped || this.current !== port) return;
      if (quietFor() < limit) {
        cancel = this.clock.setTimer(limit - quietFor(), check);
        return;
      }
      // Checked again after the pending I/O of the event loop: if long synchronous handlers kept it
      // busy, a reply that already arrived is processed first and wins.
      setImmediate(() => {
        if (stopped || this.current !== port) return;
        if (quietFor() < limit) {
          cancel = this.clock.setTimer(limit, check);
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
    return {
      stop: () => {
        stopped = true;
        cancel?.();
      },
    };
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
        // Redis says nothing was blocked when the wait's command has not reached it yet (a client
        // may write it on the next tick, and the two travel on different connections) or when its
        // reply is on the way: asked again, shortly, while the wait lasts. Never cut for that: a
        // reply on the way may carry entries. (Real time: a test clock may stand still meanwhile.)
        const port = await command();
        for (let asked = 1; !(await port.clientUnblock(id)) && this.waiting && asked < UNBLOCK_TRIES; asked++) {
          await sleep(UNBLOCK_RETRY_MS);
        }
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

  /** Closes the connection; reads in flight reject at once (see the top of this file). */
  async close(): Promise<void> {
    const port = this.current;
    this.current = undefined;
    if (this.inFlight.size > 0) {
      // Made only when a read is in flight to fail with it: an error's stack is costly.
      const closed = new ConnectionError(port?.endpoint ?? '', `the read connection "${this.label}" was closed`, {
        sent: true,
      });
      for (const abandon of this.inFlight) abandon(closed);
      this.inFlight.clear();
    }
    if (port !== undefined) await this.connections.release(port);
  }
}

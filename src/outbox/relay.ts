/**
 * The relay: publishes committed outbox rows in rounds (relay-round.ts) until it is closed, its
 * signal aborts, or its streamer is cleaned up. It wakes on NOTIFY (polling as the fallback), runs
 * the next round at once while rows keep coming in full batches, backs off on its own troubles
 * (database or Redis unreachable: 100 ms doubling to 5 s), deletes published rows after the
 * retention, and reports: errors and warnings to the logger (rate-limited) and `onError`, figures
 * in `getStats()`.
 */
import { query } from './db.js';
import { resolveRelayOptions, type OutboxRelayOptions, type ResolvedRelayOptions } from './relay-options.js';
import { RelayReports } from './relay-reports.js';
import { RoundPipeline } from './relay-pipeline.js';
import { RelayCounters, type OutboxRelayStats } from './relay-stats.js';
import { deletePublished } from './retention.js';
import { Wakeup } from './wakeup.js';

/** A running relay, from `startOutboxRelay()`. */
export interface OutboxRelay {
  /** Resolves once the relay has stopped: `close()`, its signal, or its streamer cleaned up. */
  readonly stopped: Promise<void>;
  /** Its figures in this process. */
  getStats(): OutboxRelayStats;
  /**
   * Stops: no new round; the round in flight finishes (its rows are marked and committed), then the
   * LISTEN connection goes back to the pool and every timer is cleared. The pool and the streamer
   * are yours: end them afterwards.
   */
  close(): Promise<void>;
  /** `await using relay = await startOutboxRelay(...)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts relaying the outbox table's committed rows to Redis through `streamer`. Rejects with a
 * `ConfigError` for a bad option, and with a `DatabaseError` when the database cannot be reached or
 * the table does not exist (create it with `outbox.migrate(db)` or `outbox.schemaSql()`).
 */
export async function startOutboxRelay(options: OutboxRelayOptions): Promise<OutboxRelay> {
  const resolved = resolveRelayOptions(options);
  await query(
    resolved.db,
    `reading the outbox table ${resolved.table.name}`,
    `SELECT 1 FROM ${resolved.table.sql} LIMIT 0`,
  );
  const relay = new Relay(resolved);
  await relay.start();
  return relay;
}

/** Delay after the n-th trouble in a row: 100 ms doubling up to 5 s, each between half and all of it. */
function backoffMs(n: number): number {
  return Math.min(5000, 100 * 2 ** Math.min(n - 1, 10)) * (0.5 + Math.random() / 2);
}

class Relay implements OutboxRelay {
  readonly stopped: Promise<void>;
  private resolveStopped: () => void = () => {};
  private stopping = false;
  private closing: Promise<void> | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly counters = new RelayCounters();
  private readonly wakeup: Wakeup;
  private readonly reports: RelayReports;
  private nextListenAt = 0;
  private cleanupTimer: NodeJS.Timeout | undefined;
  private cleaning: Promise<void> | undefined;
  private sleeping: { timer: NodeJS.Timeout; done: () => void } | undefined;
  private readonly onAbort = (): void => void this.close();

  constructor(private readonly options: ResolvedRelayOptions) {
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.wakeup = new Wakeup(options.db, options.table.notifyChannel);
    this.reports = new RelayReports(options, this.counters);
  }

  async start(): Promise<void> {
    const { signal } = this.options;
    if (signal?.aborted === true) {
      this.stopping = true;
      await this.close();
      return;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    if (this.options.listen) await this.tryListen();
    this.loopDone = this.loop();
    this.scheduleCleanup();
  }

  getStats(): OutboxRelayStats {
    return this.counters.snapshot(this.options.table.name, !this.stopping, this.wakeup.listening);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.cleanupTimer);
    this.wakeup.kick();
    this.sleeping?.done();
    await this.loopDone;
    await this.cleaning;
    this.wakeup.close();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.resolveStopped();
  }

  private async loop(): Promise<void> {
    const pipeline = new RoundPipeline(this.options, this.reports);
    let troubles = 0;
    let closedStreamer = false;
    while (!this.stopping) {
      if (this.options.listen && !this.wakeup.listening && Date.now() >= this.nextListenAt) await this.tryListen();
      const step = await pipeline.step(() => !this.stopping);
      if (step === 'closed') {
        closedStreamer = true;
        break;
      }
      if (step === 'trouble') {
        await this.sleep(backoffMs(++troubles));
        continue;
      }
      troubles = 0;
      if (step !== 'full') await this.wakeup.wait(this.options.pollIntervalMs);
    }
    await pipeline.drain();
    if (closedStreamer) {
      this.reports.streamerClosed();
      void this.close();
    }
  }

  private async tryListen(): Promise<void> {
    try {
      await this.wakeup.listen();
    } catch (err) {
      this.nextListenAt = Date.now() + Math.max(1000, this.options.pollIntervalMs);
      this.reports.error(err);
    }
  }

  /** Waits `ms`, or less when the relay is closed meanwhile. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.sleeping = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleeping = { timer, done };
    });
  }

  private scheduleCleanup(): void {
    const { retentionMs, cleanupIntervalMs, db, table } = this.options;
    if (retentionMs === false || this.stopping) return;
    this.cleanupTimer = setTimeout(() => {
      this.cleaning = deletePublished(db, table, retentionMs, () => this.stopping)
        .then(
          (n) => this.counters.add('deletedRows', n),
          (err: unknown) => this.reports.error(err),
        )
        .finally(() => {
          this.cleaning = undefined;
          this.scheduleCleanup();
        });
    }, cleanupIntervalMs);
  }
}

/**
 * The consumer loop of one channel for one group: it owns one dedicated connection, reads batches
 * through the dedup guard and hands them to the scheduler.
 *
 * Per batch, one round trip on this connection: `MULTI; XREADGROUP ... >; EVALSHA take-guard; EXEC`.
 * The next read is sent as soon as the scheduler has room, so it overlaps the handling of the batch
 * before. When a read comes back short, the next one first waits with `XREAD BLOCK` (which consumes
 * nothing) and reads behind it in the same round trip. A watchdog replaces the connection when a
 * read sees no reply data for blockMs + 1 s. Only after a wait that timed out empty does the loop
 * rest (restMs, doubling to 2 s); data resets the rest.
 */
import { backoffDelay } from '../connection/backoff.js';
import type { RawEntry, RedisPort } from '../connection/port.js';
import { createGuard, type DedupGuard, type TakeResult } from '../delivery/dedup-guard.js';
import { PendingKeeper } from '../delivery/pending-keeper.js';
import { isConnectionError, isNoGroupError, toError } from '../errors.js';
import type { ResolvedConsumeOptions, SubscribeOptions } from '../options.js';
import { sleep, untilAborted } from '../timers.js';
import type { ChannelEnv } from './channel-env.js';
import { EntryProcessor, type Prepared } from './entry-processor.js';
import type { TrackedBatch } from './in-flight.js';
import { Scheduler } from './scheduler.js';

/** Extra time a blocking read gets before its connection is presumed hung. */
export const WATCHDOG_GRACE_MS = 1000;
/** How often the watchdog looks at the read in flight. */
const WATCHDOG_CHECK_MS = 250;
/** A batch of synchronous handlers yields to the event loop after this long (acks, leases, I/O). */
const SLICE_MS = 20;
const MAX_REST_MS = 2000;
/** A streak of errors is reported once, then again at most this often. */
const ERROR_REPORT_EVERY_MS = 30_000;

interface WatchedRead {
  readonly startedAt: number;
  settled: boolean;
}

/** Consumes one channel for one group until stopped. */
export class ChannelConsumer {
  private readonly scheduler: Scheduler;
  private readonly processor: EntryProcessor;
  private readonly keeper: PendingKeeper | undefined;
  private readonly guard: DedupGuard;
  private readonly stopController = new AbortController();
  private readonly noAck: boolean;
  private readonly orderingKey: SubscribeOptions['orderingKey'];
  private port: RedisPort | undefined;
  private waiting = false;
  /** The read in flight on the read connection, for the watchdog. */
  private current: WatchedRead | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  /** Set when the watchdog replaced the connection: the failed read is retried at once. */
  private replaced = false;
  /** CLIENT ID of the read connection, to unblock its wait on stop. */
  private clientId: number | undefined;
  private batchSize: number;
  private needRecover = false;
  private lastSeenId: string | undefined;
  private errorStreak = 0;
  private lastErrorReport = 0;
  /** Aborted when the read connection is ready again (or on stop): ends an error backoff early. */
  private wake: AbortController | undefined;

  constructor(
    private readonly env: ChannelEnv,
    private readonly consume: ResolvedConsumeOptions,
    private readonly concurrency: number,
    orderingKey: SubscribeOptions['orderingKey'],
  ) {
    const o = env.options;
    this.orderingKey = orderingKey;
    this.noAck = o.delivery === 'at-most-once';
    this.batchSize = consume.count;
    this.scheduler = new Scheduler(concurrency);
    this.processor = new EntryProcessor(env);
    this.guard = createGuard(o.ledger, env.channel, env.group, o.dedupWindowMs);
    this.keeper =
      o.delivery === 'at-least-once'
        ? new PendingKeeper(
            env,
            this.processor,
            (raw, attempt) => this.submit(this.processor.prepare(raw), attempt),
            () => this.hasRoom(),
          )
        : undefined;
  }

  private get stopSignal(): AbortSignal {
    return this.stopController.signal;
  }

  private get stopping(): boolean {
    return this.stopSignal.aborted;
  }

  /** Asks the loop to stop; {@link run} resolves once it has shut down. */
  stop(): void {
    if (this.stopping) return;
    this.stopController.abort();
    this.wake?.abort();
    if (this.waiting) void this.unblock();
  }

  /** Runs until {@link stop}; resolves after in-flight handlers finished and connections closed. */
  async run(): Promise<void> {
    try {
      await untilAborted(this.env.registry.whenAny(this.env.channel), this.stopSignal);
      if (!this.stopping) {
        this.keeper?.start();
        this.watchdogTimer = setInterval(() => this.checkWatchdog(), WATCHDOG_CHECK_MS);
        await this.loop();
      }
    } finally {
      clearInterval(this.watchdogTimer);
      await this.shutdown();
    }
  }

  private lowWater(): number {
    return Math.max(this.concurrency, this.batchSize);
  }

  private hasRoom(): boolean {
    return !this.stopping && this.scheduler.load <= this.lowWater();
  }

  private async loop(): Promise<void> {
    let rest = this.consume.restMs;
    // Set once a read came back short (the stream is drained): the next read first waits, in the
    // same round trip, for an entry above this id (the group's last-delivered-id).
    let waitAfter: string | undefined;
    while (!this.stopping) {
      let waitedForHandlers = false;
      if (this.scheduler.load > this.lowWater()) {
        waitedForHandlers = true;
        await untilAborted(this.scheduler.waitForLoadAtMost(this.lowWater()), this.stopSignal);
        if (this.stopping) break;
      }
      if (this.needRecover && this.keeper !== undefined) {
        try {
          await this.watched(this.keeper.recoverOwn(this.readPort()));
          this.needRecover = false;
        } catch (err) {
          await this.onReadError(err);
          continue;
        }
        if (this.stopping) break;
      }
      let take: TakeResult;
      const requested = this.batchSize;
      try {
        take =
          waitAfter === undefined
            ? await this.watched(this.guard.take(this.readPort(), this.env.consumer, requested, this.noAck))
            : await this.waitThenTake(requested, waitAfter);
      } catch (err) {
        waitAfter = undefined;
        await this.onReadError(err);
        continue;
      }
      this.errorStreak = 0;
      const total = take.fresh.length + take.skipped.length;
      if (total > 0) {
        rest = this.consume.restMs;
        this.adapt(total, waitedForHandlers);
        this.accept(take);
      }
      // A full batch means more may be waiting: read again at once. A short one drained the stream.
      waitAfter = total >= requested ? undefined : take.lastDeliveredId === '' ? '$' : take.lastDeliveredId;
      if (total === 0 && !take.woke && !this.stopping) {
        // The wait timed out with nothing new: rest, longer each time, before waiting again.
        await sleep(rest, this.stopSignal);
        rest = Math.max(this.consume.restMs, Math.min(rest * 2, MAX_REST_MS));
      }
    }
  }

  /** Grows the batch while reads come back full and handlers keep up; shrinks it when they do not. */
  private adapt(total: number, waitedForHandlers: boolean): void {
    if (waitedForHandlers) {
      if (this.batchSize > this.consume.count) this.batchSize = Math.max(this.consume.count, this.batchSize >> 1);
    } else if (total >= this.batchSize && this.batchSize < this.consume.maxCount) {
      this.batchSize = Math.min(this.consume.maxCount, this.batchSize * 2);
    }
  }

  private accept(take: TakeResult): void {
    for (const [id] of take.skipped) {
      this.env.counters.deduplicated++;
      // In at-least-once mode the skipped entries were added to this consumer's pending list.
      if (!this.noAck) this.processor.acknowledge(id);
    }
    if (take.fresh.length === 0) return;
    this.lastSeenId = (take.fresh[take.fresh.length - 1] as RawEntry)[0];
    if (this.concurrency > 1 || this.orderingKey !== undefined) {
      for (const raw of take.fresh) this.submit(this.processor.prepare(raw), 1);
      return;
    }
    // One at a time, in order: the whole batch is one job, which runs its entries back to back
    // (no promise per entry while handlers are synchronous).
    const batch = take.fresh;
    this.env.counters.delivered += batch.length;
    const tracked = this.processor.trackBatch(batch);
    this.scheduler.submit(() => this.runBatch(batch, tracked), undefined, batch.length);
  }

  /** Entries are decoded as they come up, so each one's objects are short-lived garbage. */
  private async runBatch(batch: readonly RawEntry[], tracked: TrackedBatch | undefined): Promise<void> {
    // Start on the next microtask: by then the loop has sent its next read, so Redis works on it
    // while this batch is handled (with synchronous handlers the batch would otherwise run first).
    await Promise.resolve();
    let slice = performance.now();
    for (const raw of batch) {
      try {
        const pending = this.processor.handle(this.processor.prepare(raw), 1);
        if (pending !== undefined) await pending;
      } catch (err) {
        this.env.reporter.error(err, { phase: 'consume', channel: this.env.channel });
      } finally {
        this.processor.finishedInBatch(tracked);
      }
      // Long runs of synchronous handlers let the event loop breathe: replies, acks, leases.
      if (performance.now() - slice > SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        slice = performance.now();
      }
    }
  }

  private submit(prepared: Prepared, attempt: number): void {
    this.env.counters.delivered++;
    this.processor.track(prepared.raw[0]);
    const key = this.keyOf(prepared);
    this.scheduler.submit(() => this.processor.handleSafely(prepared, attempt), key);
  }

  private keyOf(p: Prepared): string | number | undefined {
    if (this.orderingKey === undefined || p.decoded === undefined) return undefined;
    try {
      return this.orderingKey(p.decoded.body, p.decoded.name);
    } catch (err) {
      this.env.reporter.error(err, { phase: 'consume', channel: this.env.channel });
      return undefined;
    }
  }

  private readPort(): RedisPort {
    if (this.port !== undefined) return this.port;
    const label = `channel:${this.env.channel}`;
    const port = this.env.connections.blocking(label);
    port.on('reconnecting', () => {
      this.clientId = undefined;
      this.needRecover = !this.noAck;
    });
    port.on('ready', () => {
      this.wake?.abort();
      port.clientId().then(
        (id) => {
          if (this.port === port) this.clientId = id;
        },
        () => {},
      );
    });
    this.port = port;
    return port;
  }

  private dropPort(): void {
    if (this.port !== undefined) this.env.connections.discard(this.port);
    this.port = undefined;
    this.clientId = undefined;
  }

  /**
   * Waits (XREAD BLOCK, which consumes nothing) for an entry above `afterId`, then takes a batch, in
   * one round trip, under the watchdog like every read.
   */
  private async waitThenTake(count: number, afterId: string): Promise<TakeResult> {
    const port = this.readPort();
    this.waiting = true;
    try {
      return await this.watched(
        this.guard.take(port, this.env.consumer, count, this.noAck, { afterId, blockMs: this.consume.blockMs }),
      );
    } finally {
      this.waiting = false;
    }
  }

  /** Puts a read on the read connection under the watchdog. */
  private watched<T>(read: Promise<T>): Promise<T> {
    const watched: WatchedRead = { startedAt: performance.now(), settled: false };
    this.current = watched;
    return read.finally(() => {
      watched.settled = true;
      if (this.current === watched) this.current = undefined;
    });
  }

  /**
   * The watchdog, every {@link WATCHDOG_CHECK_MS}: a read that has seen no reply data for blockMs + 1 s
   * sits on a hung connection (a dead peer that never closed the socket). The connection is cut,
   * which fails the read, and replaced. The check is repeated after the pending I/O of the event
   * loop: if the event loop was busy (long synchronous handlers), a reply that already arrived is
   * processed first and wins.
   */
  private checkWatchdog(): void {
    const watched = this.current;
    const port = this.port;
    if (watched === undefined || port === undefined || this.stopping) return;
    const limit = this.consume.blockMs + WATCHDOG_GRACE_MS;
    const quiet = (): boolean => performance.now() - Math.max(watched.startedAt, port.lastDataAt) > limit;
    if (!quiet()) return;
    setImmediate(() => {
      if (watched.settled || this.current !== watched || this.port !== port || this.stopping || !quiet()) return;
      this.replaced = true;
      this.needRecover = !this.noAck;
      this.env.connections.replaceHung(port, `channel:${this.env.channel}`, limit);
      this.port = undefined;
      this.clientId = undefined;
    });
  }

  /**
   * On stop, wakes a waiting read with CLIENT UNBLOCK: the wait ends as if timed out and the batch
   * read behind it still runs and reaches this consumer, so nothing is lost. If Redis cannot be
   * asked, the connection is cut: the wait consumes nothing, and Redis drops the queued read with it.
   */
  private async unblock(): Promise<void> {
    const id = this.clientId;
    if (id !== undefined) {
      try {
        await (await this.env.command()).clientUnblock(id);
        return;
      } catch {
        // fall through
      }
    }
    if (this.waiting) this.dropPort();
  }

  private async onReadError(err: unknown): Promise<void> {
    if (this.stopping) return;
    if (this.replaced) {
      this.replaced = false; // the watchdog replaced the connection and reported it: read again now
      return;
    }
    this.errorStreak++;
    if (isNoGroupError(err)) {
      await this.recreateGroup();
      return;
    }
    this.needRecover = !this.noAck;
    const now = Date.now();
    if (isConnectionError(err)) {
      // A lost connection is reported by the 'reconnect' event; the loop resumes by itself.
      this.env.options.logger.warn({ err: toError(err), channel: this.env.channel }, 'read failed: connection lost');
    } else if (this.errorStreak === 1 || now - this.lastErrorReport >= ERROR_REPORT_EVERY_MS) {
      this.lastErrorReport = now;
      this.env.reporter.error(toError(err), { phase: 'consume', channel: this.env.channel });
    }
    // Back off, but resume as soon as the connection is ready again (ioredis keeps reconnecting).
    this.wake = new AbortController();
    if (this.stopping) this.wake.abort();
    await sleep(backoffDelay(this.errorStreak, 100, 2000), this.wake.signal);
    this.wake = undefined;
  }

  /**
   * The group (or the whole stream) is gone: re-create it where nothing is skipped and nothing the
   * group handed out is replayed: at the dedup guard's high-water mark, else after the last entry
   * this consumer saw, else at the beginning.
   */
  private async recreateGroup(): Promise<void> {
    try {
      const port = await this.env.command();
      const at = (await this.guard.resumePoint(port)) ?? this.lastSeenId ?? '0-0';
      const outcome = await port.xgroupCreate(this.env.channel, this.env.group, at);
      this.env.options.logger.warn(
        { channel: this.env.channel, group: this.env.group, at, outcome },
        'consumer group was missing; re-created it',
      );
    } catch (err) {
      this.env.reporter.error(toError(err), { phase: 'consume', channel: this.env.channel });
      await sleep(backoffDelay(this.errorStreak, 100, 5000), this.stopSignal);
    }
  }

  private async shutdown(): Promise<void> {
    await this.keeper?.stopSweeping();
    // At-least-once entries not yet started stay pending for a later consumer; at-most-once ones
    // were handed out already, so they are handled before the loop ends.
    this.processor.abandonQueued();
    const drained = this.scheduler.waitForLoadAtMost(0);
    const timeout = new AbortController();
    await Promise.race([drained, sleep(this.env.options.shutdownTimeoutMs, timeout.signal)]);
    timeout.abort();
    if (this.scheduler.load > 0) {
      this.env.reporter.error(
        new Error(`${this.scheduler.load} entries still being handled after shutdownTimeoutMs; closing anyway`),
        { phase: 'consume', channel: this.env.channel },
      );
    }
    await this.keeper?.stop();
    await this.processor.close();
    const port = this.port;
    this.port = undefined;
    if (port !== undefined) await this.env.connections.release(port);
  }
}

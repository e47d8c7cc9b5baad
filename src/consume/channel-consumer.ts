/**
 * The consume loop of one channel for one group: it decides when to read and how much, reads
 * through the dedup guard on its own connection, and hands what it read to the entries' owner
 * ({@link Deliveries}). Entries taken over from the pending list (at-least-once) reach the owner
 * through the same door, from the pending keeper.
 *
 * Per batch, one round trip on the read connection: `MULTI; EVALSHA guard-before-read;
 * XREADGROUP ... >; EVALSHA guard-after-read; EXEC`. After a full batch the next read is written
 * before the batch's handlers start (as soon as the handlers have room), so Redis serves it while
 * they run. After a short one (the stream is drained) the handlers run at once, and the next read
 * first waits with `XREAD BLOCK` (which consumes nothing) and reads behind it in the same round trip
 * (or, among many channels, waits on a shared waiter). Only after a wait that timed out empty does
 * the loop rest (restMs, doubling to 2 s); data resets the rest.
 */
import { backoffDelay } from '../connection/backoff.js';
import type { RedisPort } from '../connection/port.js';
import { createGroup } from '../delivery/groups.js';
import type { GuardedReader, GuardedTake } from '../delivery/guarded-read.js';
import type { PendingKeeper } from '../delivery/pending-keeper.js';
import { isConnectionError, isNoGroupError, ShutdownTimeoutError, toError } from '../errors.js';
import type { ErrorContext } from '../events.js';
import type { HandlerRegistry } from '../handlers.js';
import type { Logger } from '../logger.js';
import type { ResolvedConsumeOptions } from '../options.js';
import { ReportLimiter } from '../report-limiter.js';
import type { CounterSet } from '../stats.js';
import { abortOwn, sleep, untilAborted, type Clock } from '../timers.js';
import type { Deliveries } from './deliveries.js';
import type { ReadPath } from './read-paths.js';

const MAX_REST_MS = 2000;
/** A streak of read errors is reported once, then again at most this often. */
const ERROR_REPORT_EVERY_MS = 30_000;

/** The parts of one channel consumer, wired by the streamer. */
export interface ChannelParts {
  readonly channel: string;
  readonly group: string;
  readonly consumer: string;
  readonly registry: HandlerRegistry;
  readonly reader: GuardedReader;
  /** Where it reads and waits (a connection of its own, or shared ones). */
  readonly path: ReadPath;
  readonly deliveries: Deliveries;
  /** The pending keeper (at-least-once), undefined otherwise. */
  readonly keeper: PendingKeeper | undefined;
  /** Whether reads use NOACK (at-most-once). */
  readonly noAck: boolean;
  readonly counters: CounterSet;
  /** The streamer's shared command connection. */
  readonly command: () => Promise<RedisPort>;
  readonly logger: Logger;
  /** The clock its rests and backoffs run on. */
  readonly clock: Clock;
  readonly report: (err: unknown, context: ErrorContext) => void;
  /** How long shutdown waits for running handlers. */
  readonly shutdownTimeoutMs: number;
  /** Aborted by {@link ChannelConsumer.stop}; the parts that retry end their waits on it. */
  readonly stop: AbortController;
}

/** Consumes one channel for one group until stopped. */
export class ChannelConsumer {
  private readonly errors = new ReportLimiter(ERROR_REPORT_EVERY_MS);
  private readonly stopController: AbortController;
  private batchSize: number;
  private needRecover = false;
  private lastSeenId: string | undefined;
  private errorStreak = 0;

  constructor(
    private readonly parts: ChannelParts,
    private readonly consume: ResolvedConsumeOptions,
  ) {
    this.stopController = parts.stop;
    this.batchSize = consume.count;
    parts.deliveries.setLowWater(this.batchSize);
    parts.path.onLost(() => {
      if (parts.keeper !== undefined) this.needRecover = true;
    });
  }

  private get stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  /** Asks the loop to stop; {@link run} resolves once it has shut down. */
  stop(): void {
    if (this.stopping) return;
    abortOwn(this.stopController);
    this.parts.path.interrupt();
  }

  /** Runs until {@link stop}; resolves after in-flight handlers finished and connections closed. */
  async run(): Promise<void> {
    try {
      await untilAborted(this.parts.registry.whenAny(this.parts.channel), this.stopController.signal);
      if (!this.stopping) {
        this.parts.keeper?.start();
        await this.loop();
      }
    } finally {
      await this.shutdown();
    }
  }

  private lowWater(): number {
    return Math.max(1, this.batchSize);
  }

  private async loop(): Promise<void> {
    const { deliveries } = this.parts;
    let rest = this.consume.restMs;
    // Set once a read came back short (the stream is drained): the next read first waits, in the
    // same round trip, for an entry above this id (the group's last-delivered-id).
    let waitAfter: string | undefined;
    while (!this.stopping) {
      let waitedForHandlers = false;
      if (deliveries.load > this.lowWater()) {
        waitedForHandlers = true;
        await untilAborted(deliveries.waitForLoadAtMost(this.lowWater()), this.stopController.signal);
        if (this.stopping) break;
      }
      let take: GuardedTake;
      const requested = this.batchSize;
      try {
        if (this.needRecover) await this.recover();
        take = await this.read(requested, waitAfter);
      } catch (err) {
        waitAfter = undefined;
        await this.onReadError(err);
        continue;
      }
      this.errorStreak = 0;
      const total = take.entries.length + take.skipped.length;
      this.accept(take, total >= requested);
      if (total > 0) {
        rest = this.consume.restMs;
        this.adapt(total, waitedForHandlers);
      }
      if (take.replays) await this.readReplays();
      // A full batch means more may be waiting: read again at once. A short one drained the stream.
      waitAfter = total >= requested ? undefined : take.lastDeliveredId === '' ? '$' : take.lastDeliveredId;
      if (total === 0 && !take.woke && !this.stopping) {
        // The wait timed out with nothing new: rest, longer each time, before waiting again.
        await sleep(rest, this.stopController.signal, this.parts.clock);
        rest = Math.max(this.consume.restMs, Math.min(rest * 2, MAX_REST_MS));
      }
    }
  }

  private read(count: number, waitAfter: string | undefined): Promise<GuardedTake> {
    const { reader, path } = this.parts;
    return waitAfter === undefined ? path.take(reader, count) : path.waitThenTake(reader, waitAfter, count);
  }

  /** Hands a read to the entries' owner; `full`: the batch came back full (more is waiting). */
  private accept(take: GuardedTake, full: boolean): void {
    const { deliveries, logger, channel, group, counters } = this.parts;
    deliveries.noteRead(take.pending, take.replays);
    if (take.movedForward !== undefined) {
      const [from, to, skipped] = take.movedForward;
      counters.add('deduplicated', skipped);
      logger.warn(
        { channel, group, from, to, skipped },
        'the group was moved back below what it had handed out; the dedup guard moved it forward again',
      );
    }
    if (take.unguarded && this.errors.take('unguarded') !== undefined) {
      logger.warn({ channel, group }, 'a read ran without its guard script (SCRIPT FLUSH at that moment)');
    }
    deliveries.skip('channel', take.skipped);
    const last = take.entries.at(-1);
    if (last !== undefined) this.lastSeenId = last[0];
    deliveries.admitRead('channel', take.entries, full);
  }

  /**
   * Reads the group's replay stream (dead letters replayed to this group) until it is drained,
   * through the reader (which records them in dtpyfw's ledger when the group writes it).
   */
  private async readReplays(): Promise<void> {
    const { reader, deliveries, path } = this.parts;
    const count = this.batchSize;
    for (;;) {
      let entries;
      try {
        entries = await path.run((port) => reader.takeReplays(port, count));
      } catch (err) {
        // The replay stream was removed meanwhile (drained by another instance): nothing to do.
        if (isNoGroupError(err)) return;
        throw err;
      }
      deliveries.admitRead('replay', entries);
      if (entries.length < count || this.stopping) return;
      await untilAborted(deliveries.waitForLoadAtMost(this.lowWater()), this.stopController.signal);
    }
  }

  /** Takes back, on the read connection, this consumer's entries whose read reply was lost. */
  private async recover(): Promise<void> {
    const keeper = this.parts.keeper;
    if (keeper !== undefined) await this.parts.path.run((port) => keeper.recoverOwn(port));
    this.needRecover = false;
  }

  /** Grows the batch while reads come back full and handlers keep up; shrinks it when they do not. */
  private adapt(total: number, waitedForHandlers: boolean): void {
    if (waitedForHandlers) {
      if (this.batchSize > this.consume.count) this.batchSize = Math.max(this.consume.count, this.batchSize >> 1);
    } else if (total >= this.batchSize && this.batchSize < this.consume.maxCount) {
      this.batchSize = Math.min(this.consume.maxCount, this.batchSize * 2);
    }
    this.parts.deliveries.setLowWater(this.batchSize);
  }

  private async onReadError(err: unknown): Promise<void> {
    if (this.stopping) return;
    const { channel, logger, path } = this.parts;
    if (path.takeReplaced()) return; // the watchdog replaced the connection and reported it: read again now
    this.errorStreak++;
    if (isNoGroupError(err)) {
      await this.recreateGroup();
      return;
    }
    if (this.parts.keeper !== undefined) this.needRecover = true;
    if (isConnectionError(err)) {
      // A lost connection is reported by the 'reconnect' event; the loop resumes by itself.
      logger.debug({ err: toError(err), channel }, 'read failed: connection lost');
    } else if (this.errors.take('read') !== undefined) {
      this.parts.report(err, { phase: 'consume', channel });
    }
    // Back off, but resume as soon as the connection is ready again (ioredis keeps reconnecting).
    await path.untilReadyOr(backoffDelay(this.errorStreak, 100, 2000), this.stopController.signal);
  }

  /**
   * The group (or the whole stream) is gone: re-create it where nothing is skipped and nothing the
   * group handed out is replayed: at the dedup guard's mark, else after the last entry this
   * consumer saw, else at the beginning.
   */
  private async recreateGroup(): Promise<void> {
    const { channel, group, reader, logger, command } = this.parts;
    try {
      const port = await command();
      const at = (await reader.resumePoint(port)) ?? this.lastSeenId ?? '0-0';
      const outcome = await createGroup(port, channel, group, at);
      logger.warn({ channel, group, at, outcome }, 'consumer group was missing; re-created it');
    } catch (err) {
      this.parts.report(err, { phase: 'consume', channel });
      await sleep(backoffDelay(this.errorStreak, 100, 5000), this.stopController.signal, this.parts.clock);
    }
  }

  private async shutdown(): Promise<void> {
    const { keeper, deliveries, channel, shutdownTimeoutMs, report } = this.parts;
    await keeper?.stopSweeping();
    // At-least-once entries not yet started stay pending for a later consumer; at-most-once ones
    // were handed out already, so they are handled before the loop ends.
    deliveries.abandonQueued();
    const left = await deliveries.drain(shutdownTimeoutMs);
    if (left > 0) {
      report(
        new ShutdownTimeoutError(
          `${left} ${left === 1 ? 'entry' : 'entries'} still being handled after shutdownTimeoutMs; closing anyway`,
        ),
        {
          phase: 'consume',
          channel,
        },
      );
    }
    await keeper?.stop();
    await deliveries.close();
    await this.parts.path.close();
  }
}

/**
 * At-least-once upkeep of a group's pending entries, for one channel consumer:
 * - lease: every claimIdleMs/3, renew the idle time of the entries in flight here, so no other
 *   consumer takes them over while their handler runs (dapr#3481-style duplicates);
 * - sweep: every claimIntervalMs, page through the pending list and take over what is due (own
 *   failed entries after their backoff, dead consumers' entries after claimIdleMs);
 * - recover: after this consumer's read connection was replaced, take back at once its entries
 *   whose read reply was lost.
 * Entries delivered `maxAttempts` times already go to the dead-letter stream without running.
 */
import type { RawEntry, RedisPort } from '../connection/port.js';
import type { ChannelEnv } from '../consume/channel-env.js';
import type { EntryProcessor } from '../consume/entry-processor.js';
import { Ticker } from '../timers.js';
import { recoverOwnPage, renewLeases, sweepPage, type ClaimPage, type SweepSettings } from './reclaim.js';

const PAGE_SIZE = 100;
const PAGES_PER_SWEEP = 10;

/** Submits a claimed entry for handling as attempt `attempt`. */
export type Submit = (raw: RawEntry, attempt: number) => void;

/** Keeps one group's pending entries moving (at-least-once mode only). */
export class PendingKeeper {
  private readonly settings: SweepSettings;
  private readonly lease: Ticker;
  private readonly sweep: Ticker;
  private cursor = '-';
  /** Dead-letter moves in progress, awaited on stop. */
  private readonly moving = new Set<Promise<void>>();

  constructor(
    private readonly env: ChannelEnv,
    private readonly processor: EntryProcessor,
    private readonly submit: Submit,
    /** Whether the consumer has room for more entries now. */
    private readonly hasRoom: () => boolean,
  ) {
    const o = env.options;
    this.settings = {
      channel: env.channel,
      group: env.group,
      consumer: env.consumer,
      claimIdleMs: o.claimIdleMs,
      retryBaseMs: o.retryBaseMs,
      retryMaxMs: o.retryMaxMs,
      pageSize: PAGE_SIZE,
    };
    const report = (phase: 'lease' | 'reclaim') => (err: unknown) =>
      env.reporter.error(err, { phase, channel: env.channel });
    this.lease = new Ticker(Math.max(50, Math.floor(o.claimIdleMs / 3)), () => this.renew(), report('lease'));
    this.sweep = new Ticker(o.claimIntervalMs, () => this.sweepOnce(), report('reclaim'));
  }

  /** Starts the lease and sweep timers. */
  start(): void {
    this.lease.start();
    this.sweep.start(true);
  }

  /** Stops taking over entries (the lease keeps running until {@link stop}). */
  async stopSweeping(): Promise<void> {
    await this.sweep.stop();
  }

  /** Stops everything, after the dead-letter moves in progress. */
  async stop(): Promise<void> {
    await Promise.all([this.sweep.stop(), this.lease.stop(), ...this.moving]);
  }

  /**
   * Takes back this consumer's entries whose read reply was lost; throws on Redis errors. Runs on
   * the consumer's (fresh) read connection, not the shared one, which may be the one in trouble.
   */
  async recoverOwn(port: RedisPort): Promise<void> {
    // In flight here, or handled with the acknowledgement still queued: not lost.
    const busy = [...this.processor.inFlight.ids(), ...this.processor.queuedAcks];
    let cursor = '-';
    do {
      const page = await recoverOwnPage(port, this.settings, cursor, busy);
      this.accept(page, 'recovered');
      cursor = page.next;
    } while (cursor !== '0-0');
  }

  private async renew(): Promise<void> {
    const ids = this.processor.inFlight.ids();
    if (ids.length === 0) return;
    const port = await this.env.command();
    const owned = await renewLeases(port, this.env.channel, this.env.group, this.env.consumer, ids);
    for (const id of ids) if (!owned.has(id) && this.processor.inFlight.has(id)) this.processor.lost.add(id);
  }

  private async sweepOnce(): Promise<void> {
    const port = await this.env.command();
    for (let pages = 0; pages < PAGES_PER_SWEEP && this.hasRoom(); pages++) {
      const page = await sweepPage(port, this.settings, this.cursor);
      this.cursor = page.next === '0-0' ? '-' : page.next;
      this.accept(page, 'claimed');
      if (this.cursor === '-') break;
    }
  }

  /**
   * Hands taken-over entries to the consumer. `claimed` ones (the sweep's XCLAIM counted a delivery)
   * are attempt deliveries + 1; `recovered` ones (JUSTID, their lost delivery is made good) keep
   * their attempt number.
   */
  private accept(page: ClaimPage, how: 'claimed' | 'recovered'): void {
    const { counters, options } = this.env;
    for (const { entry, deliveriesBefore, own } of page.claimed) {
      const id = entry[0];
      if (this.processor.inFlight.has(id)) continue; // already being handled here
      const attempt = how === 'claimed' ? deliveriesBefore + 1 : Math.max(1, deliveriesBefore);
      this.processor.track(id);
      if (attempt > options.maxAttempts) {
        const error = new Error(`delivered ${deliveriesBefore} times without success`);
        const moving: Promise<void> = this.processor
          .deadLetter(entry, 'max-attempts', error, deliveriesBefore)
          .finally(() => {
            this.processor.inFlight.delete(id);
            this.moving.delete(moving);
          });
        this.moving.add(moving);
        continue;
      }
      if (how === 'claimed') {
        if (own) counters.retried++;
        else counters.reclaimed++;
      }
      this.submit(entry, attempt);
    }
  }
}

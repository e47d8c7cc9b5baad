/**
 * Background maintenance while consuming: dedup-ledger trimming every ledgerIntervalMs, and
 * retention (channels and their dead letters), the failure records of destroyed groups
 * (./retry-records.ts) and consumer hygiene every cleanupIntervalMs. Both run once at start.
 */
import type { RedisPort } from '../connection/port.js';
import { GuardedReader } from '../delivery/guarded-read.js';
import type { ErrorContext, TrimmedUnreadEvent } from '../events.js';
import type { ResolvedStreamerOptions } from '../options.js';
import { Ticker, type Clock } from '../timers.js';
import { removeIdleConsumers } from './consumers.js';
import { trimChannel, type RetentionResult, type RetentionRule } from './retention.js';
import { forgetGoneGroups, removeOrphanRecords } from './retry-records.js';

/** What one maintenance run did to a channel: its retention, and the failure records it removed. */
export interface ChannelCleanup extends RetentionResult {
  /**
   * Failure records (retry schedules) removed because their entry was no longer pending in its
   * group: the group was destroyed (and maybe re-created), which drops its pending list, so those
   * entries would never be retried.
   */
  readonly retryRecordsRemoved: number;
}

/** What maintenance needs from the streamer. */
export interface MaintenanceDeps {
  readonly options: ResolvedStreamerOptions;
  readonly consumer: string;
  readonly command: () => Promise<RedisPort>;
  /** Subscribed channels with their group. */
  readonly subscriptions: () => ReadonlyArray<{ channel: string; group: string }>;
  /** Channels with a retention set. */
  readonly retention: () => ReadonlyArray<RetentionRule>;
  /** Where maintenance reports. */
  readonly reports: {
    error(err: unknown, context: ErrorContext): void;
    trimmedUnread(event: TrimmedUnreadEvent): void;
    deadLettersDropped(channel: string, count: number): void;
    retryRecordsRemoved(channel: string, group: string, count: number): void;
  };
  /** The clock the timers run on. @default the system clock */
  readonly clock?: Clock;
}

/** Ledger and channel maintenance. */
export class Maintenance {
  /** Server time (ms) of the last ledger maintenance; 0 before the first. */
  lastLedgerCleanup = 0;
  private ledgerTicker: Ticker | undefined;
  private cleanupTicker: Ticker | undefined;

  constructor(private readonly deps: MaintenanceDeps) {}

  /** Whether the timers run. */
  get running(): boolean {
    return this.ledgerTicker?.active === true;
  }

  /** Starts both timers (each runs once at once). */
  start(ledgerIntervalMs: number, cleanupIntervalMs: number): void {
    const report = (err: unknown): void => this.deps.reports.error(err, { phase: 'maintenance' });
    const { clock } = this.deps;
    const ledgers = (): Promise<void> => this.maintainLedgers().then(() => {});
    const channels = (): Promise<void> => this.cleanupChannels().then(() => {});
    this.ledgerTicker = new Ticker(ledgerIntervalMs, ledgers, report, clock).start(true);
    this.cleanupTicker = new Ticker(cleanupIntervalMs, channels, report, clock).start(true);
  }

  /** Stops both timers, waiting for a run in progress. */
  async stop(): Promise<void> {
    await Promise.all([this.ledgerTicker?.stop(), this.cleanupTicker?.stop()]);
    this.ledgerTicker = undefined;
    this.cleanupTicker = undefined;
  }

  /** Forgets dedup records older than the window for every subscribed group; resolves to the count removed. */
  async maintainLedgers(): Promise<number> {
    const { options, consumer } = this.deps;
    const port = await this.deps.command();
    let removed = 0;
    for (const { channel, group } of this.deps.subscriptions()) {
      try {
        const reader = new GuardedReader(channel, group, consumer, options.dedupGuard, options.dedupWindowMs, false);
        removed += await reader.trim(port);
      } catch (err) {
        this.deps.reports.error(err, { phase: 'maintenance', channel });
      }
    }
    this.lastLedgerCleanup = await port.time();
    return removed;
  }

  /**
   * Removes the failure records of destroyed groups, trims channels with a retention, drops old
   * dead letters of those and of subscribed channels, and removes idle consumers of subscribed
   * groups.
   */
  async cleanupChannels(): Promise<ChannelCleanup[]> {
    const { options, consumer } = this.deps;
    const port = await this.deps.command();
    const rules = new Map<string, RetentionRule>();
    for (const { channel } of this.deps.subscriptions()) {
      rules.set(channel, { channel, retentionMs: undefined, maxLen: undefined });
    }
    for (const rule of this.deps.retention()) rules.set(rule.channel, rule);
    const records = await this.removeRetryRecords(port, [...rules.keys()]);
    const results: ChannelCleanup[] = [];
    for (const rule of rules.values()) {
      try {
        const result = await trimChannel(port, rule, options.staleGroupMs, options.deadLetterRetentionMs);
        results.push({ ...result, retryRecordsRemoved: records.get(rule.channel) ?? 0 });
        this.report(result);
      } catch (err) {
        this.deps.reports.error(err, { phase: 'maintenance', channel: rule.channel });
      }
    }
    for (const { channel, group } of this.deps.subscriptions()) {
      try {
        const removed = await removeIdleConsumers(port, channel, group, options.consumerIdleMs, consumer);
        if (removed.length > 0) options.logger.info({ channel, group, removed }, 'idle consumers removed');
      } catch (err) {
        this.deps.reports.error(err, { phase: 'maintenance', channel });
      }
    }
    return results;
  }

  /**
   * The failure records of groups whose pending list is gone: of the channels' destroyed groups,
   * and those of the subscribed groups whose entry is no longer pending. Resolves to the count
   * removed per channel (each group's count is reported).
   */
  private async removeRetryRecords(port: RedisPort, channels: readonly string[]): Promise<Map<string, number>> {
    const { reports, options } = this.deps;
    const perChannel = new Map<string, number>();
    const counted = (channel: string, group: string, n: number): void => {
      if (n === 0) return;
      perChannel.set(channel, (perChannel.get(channel) ?? 0) + n);
      reports.retryRecordsRemoved(channel, group, n);
    };
    for (const channel of channels) {
      try {
        const gone = await forgetGoneGroups(port, channel, options.dedupWindowMs);
        for (const [group, n] of gone) counted(channel, group, n);
      } catch (err) {
        reports.error(err, { phase: 'maintenance', channel });
      }
    }
    for (const { channel, group } of this.deps.subscriptions()) {
      try {
        counted(channel, group, await removeOrphanRecords(port, channel, group));
      } catch (err) {
        reports.error(err, { phase: 'maintenance', channel });
      }
    }
    return perChannel;
  }

  private report(result: RetentionResult): void {
    const { channel } = result;
    const removed = result.removedRead + result.removedUnreadStale + result.removedUnreadMaxLen;
    if (removed > 0) this.deps.options.logger.info({ ...result }, 'channel trimmed');
    if (result.deadLettersDropped > 0) this.deps.reports.deadLettersDropped(channel, result.deadLettersDropped);
    if (result.removedUnreadStale + result.removedUnreadMaxLen > 0) {
      this.deps.reports.trimmedUnread({
        channel,
        removedUnreadStale: result.removedUnreadStale,
        removedUnreadMaxLen: result.removedUnreadMaxLen,
        staleGroups: result.staleGroups,
      });
    }
  }
}

/**
 * Background maintenance while consuming: dedup-ledger trimming every ledgerIntervalMs, and
 * retention trimming plus consumer hygiene every cleanupIntervalMs. Both run once at start.
 */
import type { RedisPort } from '../connection/port.js';
import { createGuard } from '../delivery/dedup-guard.js';
import type { ErrorContext, TrimmedUnreadEvent } from '../events.js';
import type { ResolvedStreamerOptions } from '../options.js';
import { Ticker } from '../timers.js';
import { removeIdleConsumers } from './consumers.js';
import { trimChannel, type RetentionResult } from './retention.js';

/** What maintenance needs from the streamer. */
export interface MaintenanceDeps {
  readonly options: ResolvedStreamerOptions;
  readonly consumer: string;
  readonly command: () => Promise<RedisPort>;
  /** Subscribed channels with their group. */
  readonly subscriptions: () => ReadonlyArray<{ channel: string; group: string }>;
  /** Registered channels with their retention. */
  readonly retention: () => ReadonlyArray<{ channel: string; retentionMs: number; maxLen: number | undefined }>;
  readonly onError: (err: unknown, context: ErrorContext) => void;
  readonly onTrimmedUnread: (event: TrimmedUnreadEvent) => void;
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
    const report = (err: unknown): void => this.deps.onError(err, { phase: 'maintenance' });
    this.ledgerTicker = new Ticker(ledgerIntervalMs, () => this.maintainLedgers().then(() => {}), report).start(true);
    this.cleanupTicker = new Ticker(cleanupIntervalMs, () => this.cleanupChannels().then(() => {}), report).start(true);
  }

  /** Stops both timers, waiting for a run in progress. */
  async stop(): Promise<void> {
    await Promise.all([this.ledgerTicker?.stop(), this.cleanupTicker?.stop()]);
    this.ledgerTicker = undefined;
    this.cleanupTicker = undefined;
  }

  /** Forgets dedup records older than the window for every subscribed group; resolves to the count removed. */
  async maintainLedgers(): Promise<number> {
    const { options } = this.deps;
    const port = await this.deps.command();
    let removed = 0;
    for (const { channel, group } of this.deps.subscriptions()) {
      try {
        removed += await createGuard(options.ledger, channel, group, options.dedupWindowMs).trim(port);
      } catch (err) {
        this.deps.onError(err, { phase: 'maintenance', channel });
      }
    }
    this.lastLedgerCleanup = await port.time();
    return removed;
  }

  /** Trims registered channels and removes idle consumers of subscribed groups. */
  async cleanupChannels(): Promise<RetentionResult[]> {
    const { options, consumer } = this.deps;
    const port = await this.deps.command();
    const results: RetentionResult[] = [];
    for (const { channel, retentionMs, maxLen } of this.deps.retention()) {
      try {
        const result = await trimChannel(port, channel, retentionMs, maxLen, options.staleGroupMs);
        results.push(result);
        if (result.removedRead + result.removedUnreadStale + result.removedUnreadMaxLen > 0) {
          options.logger.info({ ...result }, 'channel trimmed');
        }
        if (result.removedUnreadStale + result.removedUnreadMaxLen > 0) {
          this.deps.onTrimmedUnread({
            channel,
            staleGroupEntries: result.removedUnreadStale,
            maxLenEntries: result.removedUnreadMaxLen,
            staleGroups: result.staleGroups,
          });
        }
      } catch (err) {
        this.deps.onError(err, { phase: 'maintenance', channel });
      }
    }
    for (const { channel, group } of this.deps.subscriptions()) {
      try {
        const removed = await removeIdleConsumers(port, channel, group, options.consumerIdleMs, consumer);
        if (removed.length > 0) options.logger.info({ channel, group, removed }, 'idle consumers removed');
      } catch (err) {
        this.deps.onError(err, { phase: 'maintenance', channel });
      }
    }
    return results;
  }
}

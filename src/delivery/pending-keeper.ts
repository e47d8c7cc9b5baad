/**
 * At-least-once upkeep of a group's pending entries, for one channel consumer:
 * - lease: every claimIdleMs/3, renew the idle time of the entries in flight here, so no other
 *   consumer takes them over while their handler runs (dapr#3481-style duplicates);
 * - sweep: take over what is due (own failed entries when their retry is due, dead consumers'
 *   entries after claimIdleMs). It runs every claimIntervalMs while the group has pending entries
 *   beyond this consumer's own, and every claimIdleMs in any case (a consumer may die while the
 *   stream is quiet);
 * - recover: after this consumer's read connection was replaced, take back at once its entries
 *   whose read reply was lost.
 * Taken-over entries go to the holder, which feeds them into the same path as entries read. In a
 * group that writes dtpyfw's ledger, each page of them is recorded in it first (one more script
 * call per page); if that fails, the page stays pending on this consumer and is taken over again
 * after claimIdleMs.
 */
import type { RedisPort } from '../connection/port.js';
import { isNoGroupError } from '../errors.js';
import { systemClock, Ticker, type Clock } from '../timers.js';
import type { EntrySource } from './dead-letterer.js';
import type { DtpyfwLedger } from './ledger.js';
import {
  recoverOwnPage,
  renewLeases,
  sweepPage,
  type ClaimedEntry,
  type ClaimPage,
  type SweepSettings,
} from './reclaim.js';
import type { SourceKind } from './strategy.js';

const PAGES_PER_SWEEP = 10;

/** What the keeper needs from the consumer holding the entries. */
export interface PendingHolder {
  /** Ids in flight here (their leases are renewed). */
  inFlight(source: SourceKind): readonly string[];
  /** Ids in flight here or handled with the acknowledgement still queued (not lost, not to recover). */
  busy(source: SourceKind): readonly string[];
  /**
   * Ids in flight here that may carry a failure record (retries, failures being written), and
   * acknowledgements still queued: the sweep must not claim them under their handler.
   */
  sweepBusy(source: SourceKind): readonly string[];
  /** Another consumer took these over: this one must not settle them. */
  taken(source: SourceKind, ids: readonly string[]): void;
  /** Entries taken over (`claimed`: a retry or a reclaim) or taken back (`recovered`). */
  admitClaimed(source: SourceKind, entries: readonly ClaimedEntry[], how: 'claimed' | 'recovered'): void;
  /** Whether there is room for more entries now. */
  hasRoom(): boolean;
  /** The group's pending count at the last read (-1 when unknown). */
  pendingSeen(): number;
  /** Whether the group's replay stream had entries at the last read. */
  replaysSeen(): boolean;
  /** The replay stream turned out to be gone (drained and deleted): no sweep of it until a read sees one. */
  replaysGone(): void;
}

/** Settings of the keeper. */
export interface KeeperSettings extends SweepSettings {
  readonly claimIntervalMs: number;
  /** dtpyfw's ledger of the group (`dedupGuard: 'ledger'`): what is taken over is recorded in it. */
  readonly ledger: DtpyfwLedger | undefined;
}

/** Keeps one group's pending entries moving (at-least-once mode only). */
export class PendingKeeper {
  private readonly lease: Ticker;
  private readonly sweep: Ticker;
  private readonly cursor: Record<SourceKind, string> = { channel: '-', replay: '-' };
  private lastFullSweep = 0;

  constructor(
    private readonly port: () => Promise<RedisPort>,
    private readonly sources: (kind: SourceKind) => EntrySource,
    private readonly holder: PendingHolder,
    private readonly settings: KeeperSettings,
    report: (err: unknown, phase: 'lease' | 'reclaim') => void,
    /** The clock the lease and sweep timers run on (retries fall due on the server's). */
    private readonly clock: Clock = systemClock,
  ) {
    const leaseMs = Math.max(50, Math.floor(settings.claimIdleMs / 3));
    this.lease = new Ticker(
      leaseMs,
      () => this.renew(),
      (err) => report(err, 'lease'),
      clock,
    );
    this.sweep = new Ticker(
      settings.claimIntervalMs,
      () => this.sweepOnce(),
      (err) => report(err, 'reclaim'),
      clock,
    );
  }

  /** Starts the lease and sweep timers (the first sweep at once). */
  start(): void {
    this.lease.start();
    this.sweep.start(true);
  }

  /** Stops taking over entries (the lease keeps running until {@link stop}). */
  async stopSweeping(): Promise<void> {
    await this.sweep.stop();
  }

  /** Stops everything. */
  async stop(): Promise<void> {
    await Promise.all([this.sweep.stop(), this.lease.stop()]);
  }

  /**
   * Takes back this consumer's entries whose read reply was lost; throws on Redis errors. Runs on
   * the consumer's (fresh) read connection, not the shared one, which may be the one in trouble.
   */
  async recoverOwn(port: RedisPort): Promise<void> {
    for (const kind of this.kinds()) {
      const busy = this.holder.busy(kind);
      let cursor = '-';
      do {
        let page;
        try {
          page = await recoverOwnPage(port, this.sources(kind), this.settings, cursor, busy);
        } catch (err) {
          if (kind !== 'replay' || !isNoGroupError(err)) throw err;
          this.holder.replaysGone();
          break;
        }
        await this.admit(port, kind, page, 'recovered');
        cursor = page.next;
      } while (cursor !== '0-0');
    }
  }

  /** Hands a page's entries to the holder, recorded in dtpyfw's ledger first when the group writes it. */
  private async admit(port: RedisPort, kind: SourceKind, page: ClaimPage, how: 'claimed' | 'recovered'): Promise<void> {
    if (page.claimed.length === 0) return;
    const { ledger } = this.settings;
    if (ledger !== undefined) {
      await ledger.record(
        port,
        kind,
        page.claimed.map((c) => c.entry),
      );
    }
    this.holder.admitClaimed(kind, page.claimed, how);
  }

  private kinds(): SourceKind[] {
    return this.holder.replaysSeen() ? ['channel', 'replay'] : ['channel'];
  }

  private async renew(): Promise<void> {
    const { group, consumer } = this.settings;
    for (const kind of ['channel', 'replay'] as const) {
      const ids = this.holder.inFlight(kind);
      if (ids.length === 0) continue;
      let taken: string[];
      try {
        taken = await renewLeases(await this.port(), this.sources(kind).stream, group, consumer, ids);
      } catch (err) {
        if (isNoGroupError(err)) continue; // the group gone with a Redis restart: the read loop re-creates it
        throw err;
      }
      if (taken.length > 0) this.holder.taken(kind, taken);
    }
  }

  private async sweepOnce(): Promise<void> {
    const now = this.clock.now();
    const full = now - this.lastFullSweep >= this.settings.claimIdleMs;
    const others = this.holder.pendingSeen() - this.holder.busy('channel').length;
    if (!full && others <= 0 && !this.holder.replaysSeen()) return;
    if (full) this.lastFullSweep = now;
    const port = await this.port();
    for (const kind of this.kinds()) {
      try {
        await this.sweepSource(port, kind);
      } catch (err) {
        if (!isNoGroupError(err)) throw err;
        // The channel's group gone (a Redis restarted without its data): the read loop re-creates
        // it and says so, and the next sweep finds it. A replay stream gone: nothing to replay.
        if (kind === 'replay') this.holder.replaysGone();
      }
    }
  }

  private async sweepSource(port: RedisPort, kind: SourceKind): Promise<void> {
    for (let pages = 0; pages < PAGES_PER_SWEEP && this.holder.hasRoom(); pages++) {
      const busy = this.holder.sweepBusy(kind);
      const page = await sweepPage(port, this.sources(kind), this.settings, this.cursor[kind], busy);
      this.cursor[kind] = page.next === '0-0' ? '-' : page.next;
      await this.admit(port, kind, page, 'claimed');
      if (this.cursor[kind] === '-') break;
    }
  }
}

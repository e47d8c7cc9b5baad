/**
 * The dedup guard: what keeps a group from handing an entry to its handlers twice within the dedup
 * window, even after the group is deleted and re-created from `0-0`.
 *
 * Both guards read with `XREADGROUP ... >` and the take-guard script in one MULTI/EXEC (one round
 * trip), which also reports the group's last-delivered-id for the wait that follows an empty read.
 * - `hwm`: the script advances a per-group high-water mark to the group's last-delivered-id and
 *   returns the previous one; ids not above it were handed out before. O(1) memory per group.
 * - `zset`: dtpyfw's ledger; a second round trip reserves the batch's ids with ZADD NX (race-free
 *   per id). One ZSET member per entry per group, kept for the window.
 */
import type { RawEntry, RedisPort } from '../connection/port.js';
import { guardKey, ledgerKey } from '../naming.js';
import { scripts } from '../scripts/index.js';
import { compareIds } from './ids.js';

/** One atomic read through the guard. */
export interface TakeResult {
  /** Entries to hand to the handlers, in stream order. */
  readonly fresh: RawEntry[];
  /** Entries the group had handed out before: skipped. */
  readonly skipped: RawEntry[];
  /** The group's last-delivered-id after the read ('' when unknown). */
  readonly lastDeliveredId: string;
}

/** A dedup guard for one group on one channel. */
export interface DedupGuard {
  /** Reads up to `count` new entries and splits them into fresh and skipped. */
  take(port: RedisPort, consumer: string, count: number, noAck: boolean): Promise<TakeResult>;
  /** Forgets what is older than the dedup window; resolves to the number of records removed. */
  trim(port: RedisPort): Promise<number>;
  /** Where to re-create a lost group so that nothing handed out is replayed, when known. */
  resumePoint(port: RedisPort): Promise<string | undefined>;
}

/** Creates the guard of a kind for a group. */
export function createGuard(kind: 'hwm' | 'zset', channel: string, group: string, windowMs: number): DedupGuard {
  return kind === 'hwm' ? new HwmGuard(channel, group, windowMs) : new ZsetGuard(channel, group, windowMs);
}

class HwmGuard implements DedupGuard {
  private readonly key: string;

  constructor(
    private readonly channel: string,
    private readonly group: string,
    private readonly windowMs: number,
  ) {
    this.key = guardKey(channel, group);
  }

  async take(port: RedisPort, consumer: string, count: number, noAck: boolean): Promise<TakeResult> {
    const { entries, result } = await port.xreadgroupThenScript(
      this.group,
      consumer,
      this.channel,
      { count, noAck },
      scripts.takeGuard,
      [this.channel, this.key],
      [this.group, this.windowMs, 'hwm'],
    );
    const [previous, lastDeliveredId] = result as [string, string];
    if (previous === '' || entries.length === 0) return { fresh: entries, skipped: [], lastDeliveredId };
    // Ids of one read are increasing, so the skipped ones are a prefix.
    let cut = 0;
    while (cut < entries.length && compareIds((entries[cut] as RawEntry)[0], previous) <= 0) cut++;
    if (cut === 0) return { fresh: entries, skipped: [], lastDeliveredId };
    return { fresh: entries.slice(cut), skipped: entries.slice(0, cut), lastDeliveredId };
  }

  trim(): Promise<number> {
    return Promise.resolve(0); // the key expires with the window (PX), nothing grows
  }

  async resumePoint(port: RedisPort): Promise<string | undefined> {
    return (await port.getString(this.key)) ?? undefined;
  }
}

class ZsetGuard implements DedupGuard {
  private readonly ledger: string;

  constructor(
    private readonly channel: string,
    private readonly group: string,
    private readonly windowMs: number,
  ) {
    this.ledger = ledgerKey(channel, group);
  }

  async take(port: RedisPort, consumer: string, count: number, noAck: boolean): Promise<TakeResult> {
    const { entries, result } = await port.xreadgroupThenScript(
      this.group,
      consumer,
      this.channel,
      { count, noAck },
      scripts.takeGuard,
      [this.channel, guardKey(this.channel, this.group)],
      [this.group, this.windowMs, 'info'],
    );
    const lastDeliveredId = (result as [string, string])[1];
    if (entries.length === 0) return { fresh: entries, skipped: [], lastDeliveredId };
    const reserved = (await port.runScript(
      scripts.ledgerReserve,
      [this.ledger],
      entries.map((e) => e[0]),
    )) as number[];
    const fresh: RawEntry[] = [];
    const skipped: RawEntry[] = [];
    entries.forEach((entry, i) => (reserved[i] === 1 ? fresh : skipped).push(entry));
    return { fresh, skipped, lastDeliveredId };
  }

  async trim(port: RedisPort): Promise<number> {
    const [removed] = (await port.runScript(scripts.ledgerTrim, [this.ledger], [this.windowMs])) as [number, number];
    return removed;
  }

  resumePoint(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }
}

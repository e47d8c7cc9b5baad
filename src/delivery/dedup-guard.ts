/**
 * The dedup guard: what keeps a group from handing an entry to its handlers twice within the dedup
 * window, even after the group is deleted and re-created from `0-0`.
 *
 * Every read runs the guard atomically with it, in one round trip (see {@link read}), and also
 * learns the group's last-delivered-id, which the next wait starts from.
 * - `hwm`: the script advances a per-group high-water mark to the group's last-delivered-id and
 *   returns the previous one; ids not above it were handed out before. O(1) memory per group.
 * - `zset`: dtpyfw's ledger; a second round trip reserves the batch's ids with ZADD NX (race-free
 *   per id). One ZSET member per entry per group, kept for the window.
 */
import type { RawEntry, RedisPort, WaitBeforeRead } from '../connection/port.js';
import { guardKey, ledgerKey } from '../naming.js';
import { scripts } from '../scripts/index.js';
import { compareIds } from './ids.js';

/** Ledger members removed per script call (each call keeps Redis busy for milliseconds only). */
const TRIM_CHUNK = 10_000;

/** One atomic read through the guard. */
export interface TakeResult {
  /** Entries to hand to the handlers, in stream order. */
  readonly fresh: RawEntry[];
  /** Entries the group had handed out before: skipped. */
  readonly skipped: RawEntry[];
  /** The group's last-delivered-id after the read ('' when unknown). */
  readonly lastDeliveredId: string;
  /** With a wait: whether it saw a new entry before timing out (always true without one). */
  readonly woke: boolean;
}

/** A dedup guard for one group on one channel. */
export interface DedupGuard {
  /** Reads up to `count` new entries (first waiting for one, with `wait`); splits them into fresh and skipped. */
  take(port: RedisPort, consumer: string, count: number, noAck: boolean, wait?: WaitBeforeRead): Promise<TakeResult>;
  /** Forgets what is older than the dedup window; resolves to the number of records removed. */
  trim(port: RedisPort): Promise<number>;
  /** Where to re-create a lost group so that nothing handed out is replayed, when known. */
  resumePoint(port: RedisPort): Promise<string | undefined>;
}

/** Creates the guard of a kind for a group. */
export function createGuard(kind: 'hwm' | 'zset', channel: string, group: string, windowMs: number): DedupGuard {
  return kind === 'hwm' ? new HwmGuard(channel, group, windowMs) : new ZsetGuard(channel, group, windowMs);
}

interface RawTake {
  entries: RawEntry[];
  previous: string;
  lastDeliveredId: string;
  woke: boolean;
}

/** What both guards share: the keys and the read through the take-guard scripts. */
abstract class GuardedRead {
  /** The stream and the high-water-mark key (one slot). */
  protected readonly keys: readonly string[];
  private readonly args: readonly [string, number, 'hwm' | 'info'];

  constructor(
    protected readonly channel: string,
    protected readonly group: string,
    protected readonly windowMs: number,
    mode: 'hwm' | 'info',
  ) {
    this.keys = [channel, guardKey(channel, group)];
    this.args = [group, windowMs, mode];
  }

  /**
   * Reads a batch with the guard script atomically. Without `wait` (a busy stream): XREADGROUP and
   * take-guard in one MULTI/EXEC, the batch coming straight from XREADGROUP. With `wait` (after the
   * stream ran dry): the wait and take-guard-read, which reads inside the script, sent together, so
   * a new entry reaches the consumer in one round trip.
   */
  protected async read(
    port: RedisPort,
    consumer: string,
    count: number,
    noAck: boolean,
    wait: WaitBeforeRead | undefined,
  ): Promise<RawTake> {
    if (wait === undefined) {
      const { entries, result } = await port.xreadgroupThenScript(
        this.group,
        consumer,
        this.channel,
        { count, noAck },
        scripts.takeGuard,
        this.keys,
        this.args,
      );
      if (result === null) return { ...(await this.guardAfterTheFact(port, entries, noAck)), entries, woke: true };
      const [previous, lastDeliveredId] = result as [string, string];
      return { entries, previous, lastDeliveredId, woke: true };
    }
    const { result, woke } = await port.runScriptAfterWait(this.channel, wait, scripts.takeGuardRead, this.keys, [
      ...this.args,
      consumer,
      count,
      noAck ? '1' : '0',
    ]);
    const [previous, lastDeliveredId, entries] = result as [string, string, RawEntry[]];
    return { entries, previous, lastDeliveredId, woke };
  }

  /**
   * The guard script was missing from the server's cache (SCRIPT FLUSH) when the read ran, so the
   * read happened without it. At-least-once takes every entry as fresh (a duplicate is allowed, a
   * loss is not); at-most-once runs the guard now, which may skip entries another consumer read
   * meanwhile (a loss is allowed, a duplicate is not).
   */
  private async guardAfterTheFact(
    port: RedisPort,
    entries: RawEntry[],
    noAck: boolean,
  ): Promise<{ previous: string; lastDeliveredId: string }> {
    const [previous, lastDeliveredId] = (await port.runScript(scripts.takeGuard, this.keys, this.args)) as [
      string,
      string,
    ];
    return { previous: noAck ? previous : '', lastDeliveredId: entries.at(-1)?.[0] ?? lastDeliveredId };
  }
}

class HwmGuard extends GuardedRead implements DedupGuard {
  constructor(channel: string, group: string, windowMs: number) {
    super(channel, group, windowMs, 'hwm');
  }

  async take(
    port: RedisPort,
    consumer: string,
    count: number,
    noAck: boolean,
    wait?: WaitBeforeRead,
  ): Promise<TakeResult> {
    const { entries, previous, lastDeliveredId, woke } = await this.read(port, consumer, count, noAck, wait);
    if (previous === '' || entries.length === 0) return { fresh: entries, skipped: [], lastDeliveredId, woke };
    // Ids of one read are increasing, so the skipped ones are a prefix.
    let cut = 0;
    while (cut < entries.length && compareIds((entries[cut] as RawEntry)[0], previous) <= 0) cut++;
    if (cut === 0) return { fresh: entries, skipped: [], lastDeliveredId, woke };
    return { fresh: entries.slice(cut), skipped: entries.slice(0, cut), lastDeliveredId, woke };
  }

  trim(): Promise<number> {
    return Promise.resolve(0); // the key expires with the window (PX), nothing grows
  }

  async resumePoint(port: RedisPort): Promise<string | undefined> {
    return (await port.getString(this.keys[1] as string)) ?? undefined;
  }
}

class ZsetGuard extends GuardedRead implements DedupGuard {
  private readonly ledger: string;

  constructor(channel: string, group: string, windowMs: number) {
    super(channel, group, windowMs, 'info');
    this.ledger = ledgerKey(channel, group);
  }

  async take(
    port: RedisPort,
    consumer: string,
    count: number,
    noAck: boolean,
    wait?: WaitBeforeRead,
  ): Promise<TakeResult> {
    const { entries, lastDeliveredId, woke } = await this.read(port, consumer, count, noAck, wait);
    if (entries.length === 0) return { fresh: entries, skipped: [], lastDeliveredId, woke };
    const reserved = (await port.runScript(
      scripts.ledgerReserve,
      [this.ledger],
      entries.map((e) => e[0]),
    )) as number[];
    const fresh: RawEntry[] = [];
    const skipped: RawEntry[] = [];
    entries.forEach((entry, i) => (reserved[i] === 1 ? fresh : skipped).push(entry));
    return { fresh, skipped, lastDeliveredId, woke };
  }

  async trim(port: RedisPort): Promise<number> {
    let total = 0;
    for (;;) {
      const [removed, left] = (await port.runScript(
        scripts.ledgerTrim,
        [this.ledger],
        [this.windowMs, TRIM_CHUNK],
      )) as [number, number];
      total += removed;
      if (left === 0 || removed === 0) return total;
    }
  }

  resumePoint(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }
}

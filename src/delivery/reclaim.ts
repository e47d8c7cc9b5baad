/**
 * Taking over pending entries (at-least-once): the periodic sweep for retries and for entries of
 * dead consumers (reclaim.lua), and the immediate recovery of this consumer's own entries whose
 * read reply was lost with a connection (recover-own.lua).
 */
import type { RawEntry, RedisPort } from '../connection/port.js';
import { retryKey } from '../naming.js';
import { scripts } from '../scripts/index.js';

/** An entry taken over from the pending list. */
export interface ClaimedEntry {
  readonly entry: RawEntry;
  /** Deliveries before this claim (the claim itself is one more). */
  readonly deliveriesBefore: number;
  /** Whether it was this consumer's own entry (a retry) rather than another consumer's (a reclaim). */
  readonly own: boolean;
}

/** One page of a sweep. */
export interface ClaimPage {
  /** The cursor for the next page, '0-0' when the pending list was scanned to its end. */
  readonly next: string;
  readonly claimed: ClaimedEntry[];
  /** Ids whose stream entry was gone: removed from the pending list. */
  readonly deleted: string[];
}

/** Settings of a sweep. */
export interface SweepSettings {
  readonly channel: string;
  readonly group: string;
  readonly consumer: string;
  readonly claimIdleMs: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly pageSize: number;
}

type ScriptPage = [string, Array<[string, string[], number, number, string]>, string[]];

function toPage(reply: unknown, consumer: string): ClaimPage {
  const [next, rows, deleted] = reply as ScriptPage;
  return {
    next,
    deleted,
    claimed: rows.map(([id, fields, deliveries, , owner]) => ({
      entry: [id, fields] as RawEntry,
      deliveriesBefore: Number(deliveries),
      own: owner === consumer,
    })),
  };
}

/** Claims the due entries of one page of the group's pending list, from `cursor` ('-' to start). */
export async function sweepPage(port: RedisPort, s: SweepSettings, cursor: string): Promise<ClaimPage> {
  const reply = await port.runScript(
    scripts.reclaim,
    [s.channel, retryKey(s.channel, s.group)],
    [s.group, s.consumer, s.claimIdleMs, s.retryBaseMs, s.retryMaxMs, cursor, s.pageSize],
  );
  return toPage(reply, s.consumer);
}

/** Claims back this consumer's pending entries that are neither in `busy` nor waiting for a retry. */
export async function recoverOwnPage(
  port: RedisPort,
  s: SweepSettings,
  cursor: string,
  busy: readonly string[],
): Promise<ClaimPage> {
  const reply = await port.runScript(
    scripts.recoverOwn,
    [s.channel, retryKey(s.channel, s.group)],
    [s.group, s.consumer, cursor, s.pageSize, ...busy],
  );
  return toPage(reply, s.consumer);
}

/** Renews the lease on in-flight entries; resolves to the ids this consumer still owns. */
export async function renewLeases(
  port: RedisPort,
  channel: string,
  group: string,
  consumer: string,
  ids: readonly string[],
): Promise<Set<string>> {
  const owned = new Set<string>();
  for (let i = 0; i < ids.length; i += 1000) {
    const batch = ids.slice(i, i + 1000);
    const renewed = (await port.runScript(scripts.leaseRenew, [channel], [group, consumer, ...batch])) as string[];
    for (const id of renewed) owned.add(id);
  }
  return owned;
}

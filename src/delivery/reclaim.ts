/**
 * Taking over pending entries (at-least-once): the periodic sweep for retries and for entries of
 * dead consumers (reclaim-2.lua), the immediate recovery of this consumer's own entries whose read
 * reply was lost with a connection (recover-own-2.lua), and lease renewal (lease-renew-1.lua).
 */
import type { RawEntry, RedisPort } from '../connection/port.js';
import { scripts } from '../scripts/index.js';
import type { EntrySource } from './dead-letterer.js';

/** An entry taken over from the pending list. */
export interface ClaimedEntry {
  readonly entry: RawEntry;
  /** Deliveries before this claim (the claim itself is one more, unless it is a recovery). */
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
  readonly deleted: readonly string[];
}

/** Settings of a sweep. */
export interface SweepSettings {
  readonly group: string;
  readonly consumer: string;
  readonly claimIdleMs: number;
  /** The least idle time a due entry can have (min(claimIdleMs, half the first retry delay)). */
  readonly minIdleMs: number;
  readonly pageSize: number;
}

type Row = readonly [string, readonly string[], number, number, string];

function toPage([next, rows, deleted]: readonly [string, readonly Row[], readonly string[]], me: string): ClaimPage {
  return {
    next,
    deleted,
    claimed: rows.map(([id, fields, deliveries, , owner]) => ({
      entry: [id, fields] as const,
      deliveriesBefore: deliveries,
      own: owner === me,
    })),
  };
}

/**
 * Claims the due entries of one page of the group's pending list, from `cursor` ('-' to start),
 * except `busy` ones (being handled or failing here: claiming them would count a delivery that
 * never ran).
 */
export async function sweepPage(
  port: RedisPort,
  source: EntrySource,
  s: SweepSettings,
  cursor: string,
  busy: readonly string[] = [],
): Promise<ClaimPage> {
  const reply = await scripts.reclaim.run(
    port,
    [source.stream, source.failures],
    [s.group, s.consumer, s.claimIdleMs, s.minIdleMs, cursor, s.pageSize, ...busy],
  );
  return toPage(reply, s.consumer);
}

/** Claims back this consumer's pending entries that are neither in `busy` nor waiting for a retry. */
export async function recoverOwnPage(
  port: RedisPort,
  source: EntrySource,
  s: SweepSettings,
  cursor: string,
  busy: readonly string[],
): Promise<ClaimPage> {
  const reply = await scripts.recoverOwn.run(
    port,
    [source.stream, source.failures],
    [s.group, s.consumer, cursor, s.pageSize, ...busy],
  );
  return toPage(reply, s.consumer);
}

/**
 * Renews the lease on in-flight entries; resolves to the ids another consumer took over (ids
 * pending nowhere stay this consumer's to finish).
 */
export async function renewLeases(
  port: RedisPort,
  stream: string,
  group: string,
  consumer: string,
  ids: readonly string[],
): Promise<string[]> {
  const taken: string[] = [];
  for (let i = 0; i < ids.length; i += 1000) {
    const [, lost] = await scripts.leaseRenew.run(port, [stream], [group, consumer, ...ids.slice(i, i + 1000)]);
    taken.push(...lost);
  }
  return taken;
}

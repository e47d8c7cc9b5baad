/**
 * Counters kept in this process, the shape of `getStats()`, and the read of a group's state in Redis.
 */
import type { ConnectionStatus, RedisPort } from './connection/port.js';
import { idTimeMs } from './delivery/ids.js';
import { deadLetterKey } from './naming.js';
import { scripts } from './scripts/index.js';

/** Message counters, per channel and in total. */
export interface Counters {
  /** Messages published by this streamer. */
  published: number;
  /** Entries read from Redis for handling (fresh, retried and reclaimed). */
  delivered: number;
  /** Entries whose handlers all succeeded. */
  handled: number;
  /** Handling attempts in which at least one handler failed. */
  failed: number;
  /** Entries skipped because the group had handed them out before (dedup guard), or replays meant for another group. */
  deduplicated: number;
  /** Entries moved to the dead-letter stream. */
  deadLettered: number;
  /** Retry attempts (at-least-once mode). */
  retried: number;
  /** Entries taken over from other consumers (at-least-once mode). */
  reclaimed: number;
  /** Entries removed by retention although a group had not read them. */
  trimmedUnread: number;
}

/** A zeroed {@link Counters}. */
export function newCounters(): Counters {
  return {
    published: 0,
    delivered: 0,
    handled: 0,
    failed: 0,
    deduplicated: 0,
    deadLettered: 0,
    retried: 0,
    reclaimed: 0,
    trimmedUnread: 0,
  };
}

/** Adds `b` into `a`. */
export function addCounters(a: Counters, b: Readonly<Counters>): Counters {
  for (const key of Object.keys(a) as Array<keyof Counters>) a[key] += b[key];
  return a;
}

/** What Redis says about this service's group on one channel. */
export interface GroupStats {
  /** The group name. */
  readonly group: string;
  /** Entries not yet delivered to the group (null when Redis cannot tell). */
  readonly lag: number | null;
  /** Entries delivered and not acknowledged. */
  readonly pending: number;
  /** Age of the oldest pending entry in ms (from its id's time), null when none. */
  readonly oldestPendingAgeMs: number | null;
  /** Consumers in the group. */
  readonly consumers: number;
  /** Entries in the channel's dead-letter stream (all groups). */
  readonly deadLetters: number;
  /** Other groups on the channel with no live consumer: they no longer hold retention back. */
  readonly staleGroups: readonly string[];
}

/** Per-channel stats: this process's counters and, when Redis answered, the group's state. */
export interface ChannelStats extends Counters {
  /** The group's state in Redis, or null when it could not be read. */
  readonly redis: GroupStats | null;
  /** Why `redis` is null. */
  readonly redisError?: string;
}

/** What `getStats()` returns. The first seven fields are dtpyfw's, in camelCase. */
export interface StreamerStats extends Counters {
  /** The sanitized service name. */
  readonly listenerName: string;
  /** This instance's consumer name. */
  readonly consumerInstance: string;
  /** Subscribed channels. */
  readonly subscriptions: number;
  /** The subscribed channel names. */
  readonly channels: readonly string[];
  /** The dedup window in ms. */
  readonly dedupWindowMs: number;
  /** Server time (ms) of the last ledger maintenance, 0 if none ran yet. */
  readonly lastLedgerCleanup: number;
  /** Whether the maintenance timers are running (between persistConsume and stop). */
  readonly maintenanceRunning: boolean;
  /** The delivery mode. */
  readonly delivery: 'at-most-once' | 'at-least-once';
  /** The dedup guard in use. */
  readonly ledger: 'hwm' | 'zset';
  /** Whether persistConsume is running. */
  readonly consuming: boolean;
  /** Every open connection: its state and last error (never a credential). */
  readonly connections: readonly ConnectionStatus[];
  /** Per subscribed or registered channel. */
  readonly perChannel: Readonly<Record<string, ChannelStats>>;
}

/** Reads what Redis says of one group on one channel (group-stats.lua, one round trip). */
export async function readGroupStats(
  port: RedisPort,
  channel: string,
  group: string,
  staleGroupMs: number,
): Promise<GroupStats> {
  const [, lag, pending, oldest, consumers, deadLetters, now, staleGroups] = (await port.runScript(
    scripts.groupStats,
    [channel, deadLetterKey(channel)],
    [group, staleGroupMs],
  )) as [number, string, number, string, number, number, number, string[]];
  return {
    group,
    lag: lag === '' ? null : Number(lag),
    pending,
    oldestPendingAgeMs: oldest === '' ? null : Math.max(0, now - idTimeMs(oldest)),
    consumers,
    deadLetters,
    staleGroups,
  };
}

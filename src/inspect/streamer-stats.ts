/**
 * Assembles `getStats()`: dtpyfw's fields, this process's counters (per channel and in total),
 * every connection's state, and per subscribed channel what Redis says of the service's group.
 */
import type { RedisPort } from '../connection/port.js';
import { toError } from '../errors.js';
import {
  addCounters,
  newCounters,
  type ChannelStats,
  type ConnectionStatus,
  type Counters,
  type GroupStats,
  type StreamerStats,
} from '../stats.js';
import { inspectGroup } from './group-stats.js';

/** What the stats are made of. */
export interface StatsSources {
  readonly service: string;
  readonly consumer: string;
  readonly options: {
    readonly dedupWindowMs: number;
    readonly staleGroupMs: number;
    readonly delivery: StreamerStats['delivery'];
    readonly dedupGuard: StreamerStats['dedupGuard'];
  };
  readonly maintenance: { readonly lastLedgerCleanup: number; readonly running: boolean };
  readonly consuming: boolean;
  /** Subscribed channels with their group. */
  readonly subscriptions: ReadonlyArray<{ readonly channel: string; readonly group: string }>;
  /** Every channel with counters or a retention (subscribed or not). */
  readonly channels: readonly string[];
  readonly counters: (channel: string) => Counters;
  readonly connections: readonly ConnectionStatus[];
  /** The command connection, or undefined when the streamer is closed (no Redis parts then). */
  readonly command: (() => Promise<RedisPort>) | undefined;
}

/** Builds the stats. */
export async function collectStats(s: StatsSources): Promise<StreamerStats> {
  const groups = new Map(s.subscriptions.map((sub) => [sub.channel, sub.group]));
  const perChannel: Record<string, ChannelStats> = {};
  const total = newCounters();
  for (const channel of new Set([...groups.keys(), ...s.channels])) {
    const counters = s.counters(channel);
    addCounters(total, counters);
    const group = groups.get(channel);
    let redis: GroupStats | null = null;
    let redisError: string | undefined;
    if (group !== undefined && s.command !== undefined) {
      try {
        redis = await inspectGroup(await s.command(), channel, group, s.options.staleGroupMs);
      } catch (err) {
        redisError = toError(err).message;
      }
    }
    perChannel[channel] = { ...counters, redis, ...(redisError === undefined ? {} : { redisError }) };
  }
  return {
    service: s.service,
    consumer: s.consumer,
    subscriptions: groups.size,
    channels: [...groups.keys()],
    dedupWindowMs: s.options.dedupWindowMs,
    lastLedgerCleanup: s.maintenance.lastLedgerCleanup,
    maintenanceRunning: s.maintenance.running,
    delivery: s.options.delivery,
    dedupGuard: s.options.dedupGuard,
    consuming: s.consuming,
    connections: s.connections,
    ...total,
    perChannel,
  };
}

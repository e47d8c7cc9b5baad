/**
 * What Redis says about one group on one channel (group-stats-3.lua, one round trip): lag, pending
 * entries, the oldest one's age, consumers, dead letters, and the channel's stale groups.
 */
import type { RedisPort } from '../connection/port.js';
import { idTimeMs } from '../delivery/ids.js';
import { deadLetterKey, groupsKey } from '../naming.js';
import { scripts } from '../scripts/index.js';
import type { GroupStats } from '../stats.js';

/** Reads the state of `group` on `channel`. */
export async function inspectGroup(
  port: RedisPort,
  channel: string,
  group: string,
  staleGroupMs: number,
): Promise<GroupStats> {
  const [, lag, pending, oldest, consumers, deadLetters, now, staleGroups] = await scripts.groupStats.run(
    port,
    [channel, deadLetterKey(channel), groupsKey(channel)],
    [group, staleGroupMs],
  );
  return {
    group,
    lag: lag === '' ? null : Number(lag),
    pending,
    oldestPendingAgeMs: oldest === '' ? null : Math.max(0, now - idTimeMs(oldest)),
    consumerCount: consumers,
    deadLetters,
    staleGroups,
  };
}

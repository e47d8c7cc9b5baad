/**
 * Failure records (`{channel}:retries:<group>`, an entry id -> its retry schedule) that outlived
 * their entry's place in the group's pending list. Destroying a group (XGROUP DESTROY, or deleting
 * its stream) drops its pending list: the entries that waited for a retry there are lost to that
 * group (inherent: nothing says they were pending), and their records would stay forever, since
 * the sweep retries only what the pending list holds. Maintenance removes them and says how many:
 * - for each subscribed group (re-created with the same name, or not): the records, of the channel
 *   and of the group's replay stream, whose entry is no longer pending (retry-orphans-2.lua);
 * - for each group of the channel that no longer exists (the channel's record of groups says which
 *   it saw): its records, and its dedup mark once older than the dedup window; the mark is kept
 *   until then, as it is what keeps a group re-created with the same name from handing out again
 *   what it handed out (forget-group-4.lua). Its replay stream is kept: dead letters replayed to it,
 *   not yet handled.
 */
import type { RedisPort } from '../connection/port.js';
import { groupsKey, guardKey, replayKey, replayRetryKey, retryKey } from '../naming.js';
import { scripts } from '../scripts/index.js';

/** Records checked per script call. */
const PAGE = 500;

/** Removes the records of `stream` for `group` whose entry is no longer pending; resolves to how many. */
async function orphansOf(port: RedisPort, stream: string, records: string, group: string): Promise<number> {
  let removed = 0;
  let cursor = '0';
  do {
    const [next, n] = await scripts.retryOrphans.run(port, [stream, records], [group, cursor, PAGE]);
    removed += n;
    cursor = next;
  } while (cursor !== '0');
  return removed;
}

/** Removes a group's failure records whose entry is no longer pending (channel and replay stream). */
export async function removeOrphanRecords(port: RedisPort, channel: string, group: string): Promise<number> {
  const fromChannel = await orphansOf(port, channel, retryKey(channel, group), group);
  return fromChannel + (await orphansOf(port, replayKey(channel, group), replayRetryKey(channel, group), group));
}

/**
 * Cleans up after the groups of `channel` that no longer exist; resolves to the failure records
 * removed, per group (groups without any are left out).
 */
export async function forgetGoneGroups(
  port: RedisPort,
  channel: string,
  windowMs: number,
): Promise<Map<string, number>> {
  const removed = new Map<string, number>();
  const registry = groupsKey(channel);
  for (const group of await scripts.goneGroups.run(port, [channel, registry], [])) {
    const replays = await orphansOf(port, replayKey(channel, group), replayRetryKey(channel, group), group);
    const keys = [channel, registry, retryKey(channel, group), guardKey(channel, group)];
    const [records] = await scripts.forgetGroup.run(port, keys, [group, windowMs]);
    if (replays + records > 0) removed.set(group, replays + records);
  }
  return removed;
}

/**
 * Consumer groups: created with MKSTREAM unless they exist (a racing instance's BUSYGROUP is
 * fine), recording when this library first saw them, so that a new group is not stale before
 * staleGroupMs has passed (create-group-2.lua).
 */
import type { RedisPort } from '../connection/port.js';
import { groupsKey } from '../naming.js';
import { scripts } from '../scripts/index.js';

/** Creates `group` on `channel` at `startAt` (`$`, `0-0` or an id) unless it exists. */
export async function createGroup(
  port: RedisPort,
  channel: string,
  group: string,
  startAt: string,
): Promise<'created' | 'exists'> {
  const outcome = await scripts.createGroup.run(port, [channel, groupsKey(channel)], [group, startAt]);
  return outcome === 'created' ? 'created' : 'exists';
}

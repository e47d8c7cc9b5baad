/**
 * Consumer hygiene: every process start makes a new consumer name, so groups collect dead
 * consumers. Those idle past a threshold and owning no pending entry are removed
 * (consumer-hygiene-1.lua checks and deletes in one atomic step). A consumer that owns pending
 * entries is never removed: that would drop its entries from the group.
 */
import type { RedisPort } from '../connection/port.js';
import { scripts } from '../scripts/index.js';

/** Removes idle consumers without pending entries from a group; resolves to their names. */
export function removeIdleConsumers(
  port: RedisPort,
  channel: string,
  group: string,
  idleMs: number,
  self: string,
): Promise<string[]> {
  return scripts.consumerHygiene.run(port, [channel], [group, idleMs, self]);
}

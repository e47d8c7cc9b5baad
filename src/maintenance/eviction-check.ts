/**
 * A warning, once per streamer, when the server may evict keys: the dedup guard's marks and the
 * streams themselves are keys like any other. Servers that refuse CONFIG (managed services, ACL
 * users without it) are not asked twice and not warned about.
 */
import type { RedisPort } from '../connection/port.js';
import type { Logger } from '../logger.js';

/** Connects, then (once) warns when the server may evict keys. */
export class EvictionCheck {
  private done = false;

  /** Connects and checks the login (rejects with the reason); the first time, checks the policy. */
  async connect(port: RedisPort, logger: Logger): Promise<void> {
    await port.connect();
    if (this.done) return;
    this.done = true;
    await warnIfEvicting(port, logger);
  }
}

/** Reads `maxmemory-policy` and warns unless it is `noeviction`; never throws. */
export async function warnIfEvicting(port: RedisPort, logger: Logger): Promise<void> {
  const policy = await port.configGet('maxmemory-policy').catch(() => null);
  if (policy === null || policy === 'noeviction') return;
  logger.warn(
    { maxmemoryPolicy: policy },
    `Redis may evict keys (maxmemory-policy ${policy}): an evicted dedup mark lets a group that is moved back re-handle entries, and evicted stream entries are lost; use noeviction`,
  );
}

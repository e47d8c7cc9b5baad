/**
 * Whether the connection's user may run WAIT, which `replicas` needs. Without the right, the append
 * would happen and only the WAIT after it be refused; so before the first publish that waits, the
 * connection runs publish-1.lua with no entry (it appends nothing) followed by `WAIT 0 0` (which
 * answers at once), on the channel's node: a user without the right is refused before anything is
 * appended, with an error naming the right. The answer is kept per connection when
 * granted (one round trip per connection, not per publish). A refusal is not kept: the right may
 * be granted meanwhile, and the next publish that waits asks again. A WAIT refused after an append
 * (the right revoked since) makes the next publish ask again.
 */
import type { RedisPort } from '../connection/port.js';
import { PartialPublishError, PublishError, RedisCommandError } from '../errors.js';
import { scripts } from '../scripts/index.js';

/** `WAIT 0 0`: answers at once (no replica is needed). */
const NO_WAIT = { replicas: 0, timeoutMs: 0 } as const;

const HINT =
  "; `replicas` needs WAIT: grant the user +wait (aclRules({ role: 'publisher', waitForReplicas: true })), " +
  'or publish without replicas';

function isNoPerm(err: unknown): err is RedisCommandError {
  return err instanceof RedisCommandError && err.redisCode === 'NOPERM';
}

/** The WAIT right of the connections a publisher waits on. */
export class WaitRight {
  private readonly granted = new WeakSet<RedisPort>();

  /**
   * Resolves to the refusal when the connection's user may not run WAIT, else undefined (also when
   * the question could not be asked: the publish itself then meets the trouble and reports it).
   */
  async refusal(port: RedisPort, channel: string): Promise<RedisCommandError | undefined> {
    if (this.granted.has(port)) return undefined;
    let waited;
    try {
      ({ waited } = await scripts.publish.runThenWait(port, [channel], [0], NO_WAIT));
    } catch {
      return undefined; // the script itself failed: the publish meets that too, and reports it
    }
    if (typeof waited === 'number') this.granted.add(port);
    return isNoPerm(waited) ? waited : undefined;
  }

  /** WAIT failed after an append with `err`: if it was refused, ask again before the next publish. */
  failedAfterAppend(port: RedisPort, err: unknown): void {
    if (isNoPerm(err)) this.granted.delete(port);
  }
}

/** The error of a publish refused before its append because WAIT is not allowed: nothing was appended. */
export function waitRefused(channel: string, refusal: RedisCommandError, batchOf?: number): PublishError {
  const err =
    batchOf === undefined
      ? new PublishError(channel, refusal)
      : new PartialPublishError(channel, [], batchOf, batchOf, refusal);
  err.message += HINT;
  return err;
}

/**
 * When a publish with an idempotency key is sent again: after a failure that leaves it in doubt or
 * that passes (a dropped or refused connection, a failover under way, a server loading its data),
 * with exponential backoff and jitter. A refusal that will not pass by itself (NOPERM, OOM, a wrong
 * password, a closed streamer) is not retried.
 */
import { AuthError, ConnectionError, RedisCommandError } from '../errors.js';

/** Redis error codes that pass by themselves. */
const PASSING = new Set(['LOADING', 'TRYAGAIN', 'CLUSTERDOWN', 'MASTERDOWN', 'READONLY', 'BUSY', 'NOREPLICAS']);

/** Whether sending a keyed publish again may succeed. */
export function passes(err: unknown): boolean {
  if (err instanceof AuthError) return false;
  if (err instanceof ConnectionError) return true;
  return err instanceof RedisCommandError && PASSING.has(err.redisCode);
}

/** ms before retry number `attempt` (from 1): 50 ms doubling up to 2 s, each between half and all of it. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(2000, 50 * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

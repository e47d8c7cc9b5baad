/**
 * Exponential backoff with jitter, shared by reconnects, loop restarts and retries.
 *
 * delay(n) = min(maxMs, baseMs * 2^(n-1)), then "equal jitter": half of it fixed, half random, so
 * clients that failed together do not retry together and no delay collapses to zero.
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

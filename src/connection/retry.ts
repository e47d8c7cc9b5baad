/**
 * Retrying an idempotent Redis call through a short connection blip (a few attempts with backoff,
 * about a second in all). A refused login, a refusal by Redis or any other error is not retried,
 * and neither is a failure that came after the call had already waited that long (a connection
 * that stayed down for the whole connect timeout): the caller gets it at once, so a call never
 * waits much more than the connect timeout.
 */
import { AuthError, ConnectionError } from '../errors.js';
import { sleep } from '../timers.js';
import { backoffDelay } from './backoff.js';

/** Retries stop once this long has passed since the first attempt. */
const BLIP_MS = 1000;

/** Runs `call`, retrying it while the connection is merely unavailable. */
export async function retryTransient<T>(call: () => Promise<T>, attempts = 4): Promise<T> {
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const transient = err instanceof ConnectionError && !(err instanceof AuthError);
      if (!transient || attempt >= attempts || performance.now() - started >= BLIP_MS) throw err;
      await sleep(backoffDelay(attempt, 100, 500));
    }
  }
}

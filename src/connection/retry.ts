/**
 * Retrying an idempotent Redis call through a short connection blip (a few attempts with backoff,
 * about a second in all). A refused login, a refusal by Redis or any other error is not retried.
 */
import { AuthError, ConnectionError } from '../errors.js';
import { sleep } from '../timers.js';
import { backoffDelay } from './backoff.js';

/** Runs `call`, retrying it while the connection is merely unavailable. */
export async function retryTransient<T>(call: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const transient = err instanceof ConnectionError && !(err instanceof AuthError);
      if (!transient || attempt >= attempts) throw err;
      await sleep(backoffDelay(attempt, 100, 500));
    }
  }
}

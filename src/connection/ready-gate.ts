/**
 * The bound on how long a call waits for a connection: whatever a client does while it cannot
 * connect (ioredis' cluster client retries its seeds forever and holds the commands meanwhile), a
 * call that needs a connection that is not ready waits at most `connectTimeoutMs` for it, then
 * rejects with why the connection is down. Client-neutral: it only uses the port's `connect()` and
 * `status()`, so it holds for every adapter.
 */
import { ConfigError, ConnectionError, type RedisStreamerError } from '../errors.js';
import { NO_ANSWER_CAUSES } from './diagnosis.js';
import type { RedisPort } from './port.js';

/** The `connect()` in flight per port: concurrent callers share it (one PING queued, not one each). */
const connecting = new WeakMap<RedisPort, Promise<void>>();

/**
 * Resolves at once when `port` is ready; otherwise once its `connect()` succeeds. Rejects with the
 * reason `connect()` gives, or after `timeoutMs` with the port's last error (a ConnectionError, or
 * a ConfigError when that is what it was), whichever comes first.
 */
export function whenReady(port: RedisPort, timeoutMs: number): Promise<void> {
  if (port.status().state === 'ready') return Promise.resolve();
  let attempt = connecting.get(port);
  if (attempt === undefined) {
    attempt = port.connect();
    connecting.set(port, attempt);
    const done = (): void => {
      if (connecting.get(port) === attempt) connecting.delete(port);
    };
    attempt.then(done, done);
  }
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(notReady(port, timeoutMs)), timeoutMs);
    attempt.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** The error of a connection still not ready after the connect timeout: its last error says why. */
function notReady(port: RedisPort, timeoutMs: number): RedisStreamerError {
  const { lastError, lastErrorCode } = port.status();
  const why = lastError === null ? `no answer (${NO_ANSWER_CAUSES})` : lastError;
  const message = `Redis at ${port.endpoint} is not ready after ${timeoutMs} ms (connectTimeoutMs): ${why}`;
  if (lastErrorCode === 'ERR_CONFIG') return new ConfigError(message);
  return new ConnectionError(port.endpoint, message);
}

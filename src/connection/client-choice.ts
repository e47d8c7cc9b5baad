/**
 * Which client library the connections the library opens use, when neither the options
 * (`client`) nor a template client say: node-redis. The test harness switches it for a whole run
 * (test/support/client-choice.ts); the library itself never reads the environment for it.
 */

/** The Redis client libraries the library can use. */
export type RedisClientName = 'ioredis' | 'node-redis';

/** @internal Every {@link RedisClientName}, the default first. */
export const CLIENT_NAMES: readonly RedisClientName[] = ['node-redis', 'ioredis'];

let fallback: RedisClientName = 'node-redis';

/** @internal The client used when the options do not name one. */
export function defaultClient(): RedisClientName {
  return fallback;
}

/** @internal Changes the client used when the options do not name one (tests run the suite on each). */
export function setDefaultClient(name: RedisClientName): void {
  fallback = name;
}

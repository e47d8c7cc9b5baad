/**
 * What `util.inspect` and `JSON.stringify` show of the objects that hold connections (a streamer,
 * an Inspector, a dashboard): a safe description (the endpoint, the user, the service), never
 * their fields. Those reach the Redis client, whose options hold the password, the sentinels'
 * password and TLS key material, however deep an inspection goes.
 */
import { inspect, type InspectOptions } from 'node:util';

/** `util.inspect`'s hook. */
export const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * Makes `util.inspect(target)` print `Name { ...describe() }` and `JSON.stringify(target)` give
 * `describe()`, whatever the depth. The two are own, non-enumerable properties: they show nowhere
 * else and change nothing of the object's type.
 */
export function showOnly<T extends object>(target: T, name: string, describe: () => Record<string, unknown>): T {
  Object.defineProperty(target, INSPECT, {
    value: (_depth: number, options: InspectOptions) => `${name} ${inspect(describe(), { ...options, depth: 1 })}`,
  });
  Object.defineProperty(target, 'toJSON', { value: describe });
  return target;
}

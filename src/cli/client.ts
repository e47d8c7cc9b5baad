/**
 * Which Redis client library the CLI's connections use: `--client`, else the
 * `REDIS_STREAMER_CLIENT` environment variable, else the library's default (node-redis).
 */
import { CLIENT_NAMES, type RedisClientName } from '../connection/client-choice.js';
import { UsageError } from './errors.js';

/** The environment variable read when `--client` is not given. */
export const CLIENT_ENV = 'REDIS_STREAMER_CLIENT';

/**
 * The client `--client` (already checked by commander) or the environment names; undefined when
 * neither does. A name the library does not know is a usage error (exit 2).
 */
export function clientOf(flag: RedisClientName | undefined, env: NodeJS.ProcessEnv): RedisClientName | undefined {
  if (flag !== undefined) return flag;
  const value = env[CLIENT_ENV];
  if (value === undefined || value === '') return undefined;
  const known = CLIENT_NAMES.find((name) => name === value);
  if (known === undefined) {
    throw new UsageError(`${CLIENT_ENV} must be one of ${CLIENT_NAMES.join(', ')}, got "${value}"`);
  }
  return known;
}

/**
 * The client library the suite runs on: `RS_CLIENT=node-redis` (or `ioredis`, the default) makes
 * every connection the library opens for a test use that client, unless the test names one (the
 * `client` option) or passes a client as a template. Read here only, never by the library: this
 * module sets the library's fallback before the test creates anything. Every module of
 * test/support that a Redis test or a child process of one starts from imports it.
 */
import { setDefaultClient, type RedisClientName } from '../../src/connection/client-choice.js';

function chosen(value: string | undefined): RedisClientName {
  if (value === undefined || value === '' || value === 'ioredis') return 'ioredis';
  if (value === 'node-redis') return 'node-redis';
  throw new Error(`RS_CLIENT must be "ioredis" or "node-redis", got "${value}"`);
}

/** The client library of this run. */
export const testClient: RedisClientName = chosen(process.env['RS_CLIENT']);

setDefaultClient(testClient);

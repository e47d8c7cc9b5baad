/**
 * The client library the suite runs on: `RS_CLIENT=ioredis` (or `node-redis`, the default) makes
 * every connection the library opens for a test use that client, unless the test names one (the
 * `client` option) or passes a client as a template. Read here only, never by the library: this
 * module sets the library's fallback before the test creates anything. Every module of
 * test/support that a Redis test or a child process of one starts from imports it.
 */
import { defaultClient, setDefaultClient, type RedisClientName } from '../../src/connection/client-choice.js';

function chosen(value: string | undefined): RedisClientName {
  if (value === undefined || value === '') return defaultClient();
  if (value === 'ioredis' || value === 'node-redis') return value;
  throw new Error(`RS_CLIENT must be "ioredis" or "node-redis", got "${value}"`);
}

/** The client library of this run. */
export const testClient: RedisClientName = chosen(process.env['RS_CLIENT']);

setDefaultClient(testClient);

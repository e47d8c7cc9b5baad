/**
 * Shared test helpers: a private redis-server per test file (or REDIS_URL when set), unique
 * channel names, polling, and streamers that are always cleaned up.
 */
import './client-choice.js';
import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import { Redis } from 'ioredis';
import { RedisStreamer, silentLogger, type RedisStreamerOptions } from '../../src/index.js';
import { hasRedisServer, startRedis, type RedisServer } from './redis-server.js';

/** A Redis for one test file. */
export interface TestRedis {
  /** Its URL. */
  readonly url: string;
  /** The private server (undefined when REDIS_URL is used). */
  readonly server: RedisServer | undefined;
  /** A raw ioredis client for assertions (closed after the file). */
  readonly client: Redis;
  /** Creates a streamer that is cleaned up after the file. */
  streamer(name: string, options?: RedisStreamerOptions): RedisStreamer;
}

/** Starts a private redis-server before the file's tests and stops it after them. */
export function useRedis(options: { appendOnly?: boolean } = {}): TestRedis {
  const skip = options.appendOnly === true && needsPrivateServer !== false;
  let server: RedisServer | undefined;
  let url = '';
  let client: Redis | undefined;
  const streamers: RedisStreamer[] = [];
  before(async () => {
    if (skip) return;
    const fromEnv = process.env['REDIS_URL'];
    if (fromEnv !== undefined && fromEnv !== '' && options.appendOnly !== true) {
      url = fromEnv;
    } else {
      server = await startRedis({ appendOnly: options.appendOnly === true });
      url = server.url;
    }
    client = new Redis(url, { lazyConnect: false });
    client.on('error', () => {}); // fault tests restart the server under it
  });
  after(async () => {
    await Promise.all(streamers.map((s) => s.cleanup()));
    client?.disconnect();
    await server?.stop();
  });
  return {
    get url() {
      return url;
    },
    get server() {
      return server;
    },
    get client() {
      if (client === undefined) throw new Error('useRedis: not started yet');
      return client;
    },
    streamer(name, streamerOptions = {}) {
      const s = new RedisStreamer(url, name, { logger: silentLogger, ...streamerOptions });
      streamers.push(s);
      return s;
    },
  };
}

/**
 * For tests that kill, restart or own their Redis server: a skip reason when they cannot run here
 * (REDIS_URL given and no redis-server installed), false otherwise.
 */
export const needsPrivateServer: string | false = hasRedisServer() ? false : 'needs redis-server on PATH';

/** A channel name no other test uses. */
export function uniqueChannel(prefix = 'ch'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Polls `predicate` every 20 ms until it is true; throws with `what` after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

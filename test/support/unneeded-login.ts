/**
 * The check that a login the server does not need is dropped with a warning, the same on every
 * topology and client (node-redis-handshake.ts, node-redis-ask.ts; ioredis-hooks.ts): a streamer
 * given such a login subscribes and publishes, a warning says the login was not taken, and no
 * warning holds a password.
 */
import assert from 'node:assert/strict';
import { RedisStreamer, silentLogger, type RedisInstance } from '../../src/index.js';

/** Subscribes and publishes through `redis`, whose login the server does not need; `passwords` must appear nowhere. */
export async function connectsWithoutUnneededLogin(
  redis: RedisInstance,
  channel: string,
  passwords: readonly string[],
): Promise<void> {
  const warnings: string[] = [];
  const logger = { ...silentLogger, warn: (_f: object, message?: string) => void warnings.push(message ?? '') };
  const streamer = new RedisStreamer(redis, 'login', { logger });
  try {
    await streamer.subscribe(channel);
    assert.match(await streamer.sendMessage(channel, { name: 'n', body: {} }), /^\d+-\d+$/);
    assert.ok(
      warnings.some((w) => /did not take the login .*without any password configured/.test(w)),
      `warnings: ${warnings.join(' | ')}`,
    );
    for (const password of passwords) {
      assert.ok(
        warnings.every((w) => !w.includes(password)),
        'no password is ever in a warning',
      );
    }
  } finally {
    await streamer.cleanup();
  }
}

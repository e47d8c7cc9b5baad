/**
 * The check that a login the server does not need is dropped with a warning, the same on every
 * topology and client (node-redis-handshake.ts, node-redis-ask.ts; ioredis-hooks.ts): a streamer
 * given such a login subscribes, publishes and consumes, a warning says the login was not taken
 * (once, though every connection and every sentinel asked meets it), and no warning holds a password.
 */
import assert from 'node:assert/strict';
import { RedisStreamer, type RedisInstance } from '../../src/index.js';
import { waitFor } from './harness.js';
import { recordingLogger } from './recording-logger.js';

/**
 * Subscribes, publishes and consumes through `redis`, whose login the server does not need;
 * `passwords` must appear nowhere; each of `expected` must match a warning.
 */
export async function connectsWithoutUnneededLogin(
  redis: RedisInstance,
  channel: string,
  passwords: readonly string[],
  expected: readonly RegExp[] = [/^Redis did not take the login .*without any password configured/],
): Promise<void> {
  const logger = recordingLogger();
  const streamer = new RedisStreamer(redis, 'login', { logger });
  try {
    await streamer.subscribe(channel);
    let handled = 0;
    streamer.registerHandler(channel, () => void handled++);
    const run = streamer.persistConsume({ blockMs: 100 });
    assert.match(await streamer.sendMessage(channel, { name: 'n', body: {} }), /^\d+-\d+$/);
    await waitFor(() => handled === 1, 'the message consumed on a connection of its own');
    await streamer.cleanup();
    await run;
    const warnings = logger.messages('warn');
    for (const pattern of expected) {
      assert.ok(
        warnings.some((w) => pattern.test(w)),
        `a warning matches ${String(pattern)}: ${warnings.join(' | ')}`,
      );
    }
    const logins = warnings.filter((w) => w.includes('did not take the login'));
    assert.equal(new Set(logins).size, logins.length, `each said once: ${logins.join(' | ')}`);
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

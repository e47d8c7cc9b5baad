/**
 * Stopping ends the blocking read at once (CLIENT UNBLOCK), also when the stop comes right after a
 * read returned and the next one was issued: its command may not have reached Redis yet when the
 * CLIENT UNBLOCK does (they travel on two connections), and Redis then answers that nothing was
 * blocked. The stop asks again until the read is blocked or has returned, so it never waits out
 * `blockMs`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RedisStreamer, silentLogger } from '../../src/index.js';
import { uniqueChannel, useRedis } from '../support/harness.js';

const redis = useRedis();
const BLOCK_MS = 5000;

describe('a stop right after a read returned', () => {
  it('ends the next blocking read at once, every time', async () => {
    const publisher = redis.streamer('prompt-stop-publisher');
    const slow: number[] = [];
    for (let round = 0; round < 15; round++) {
      const channel = uniqueChannel('prompt-stop');
      const s = new RedisStreamer(redis.url, 'prompt-stop', { logger: silentLogger });
      await s.subscribe(channel);
      let handled = 0;
      let done: () => void = () => {};
      const both = new Promise<void>((resolve) => (done = resolve));
      s.registerHandler(channel, () => {
        if (++handled === 2) done();
      });
      const run = s.persistConsume({ blockMs: BLOCK_MS });
      await publisher.sendMessages(channel, [
        { name: 'a', body: {} },
        { name: 'b', body: {} },
      ]);
      await both; // and stop at once: the next read is being issued
      const started = performance.now();
      await s.cleanup();
      await run;
      const took = performance.now() - started;
      if (took > BLOCK_MS / 2) slow.push(Math.round(took));
    }
    assert.deepEqual(slow, [], `stops that waited out the blocking read (ms): ${slow.join(', ')}`);
  });
});

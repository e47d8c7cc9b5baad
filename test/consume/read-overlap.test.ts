/**
 * After a full batch, the next read reaches Redis before the batch's handlers start, so Redis
 * serves it while they run (one round trip hidden per batch), whichever client writes the
 * commands: ioredis writes a command when it is called, node-redis at the next turn of the event
 * loop. Seen from a proxy that records what the client writes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisInstance, RedisStreamer, silentLogger } from '../../src/index.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const redis = useRedis();
const proxy = new TcpProxy();

describe('reading ahead of the handlers', () => {
  before(async () => {
    await proxy.start(Number(new URL(redis.url).port));
  });
  after(async () => proxy.stop());

  for (const client of ['ioredis', 'node-redis'] as const) {
    it(`${client}: the second read is written before the first batch is handled`, async () => {
      const channel = uniqueChannel('overlap');
      const pipeline = redis.client.pipeline();
      for (let i = 0; i < 3000; i++) pipeline.xadd(channel, '*', 'name', 'n', 'body', String(i));
      await pipeline.exec();
      const s = new RedisStreamer(new RedisInstance({ url: `redis://127.0.0.1:${proxy.port}`, client }), 'overlap', {
        logger: silentLogger,
      });
      await s.subscribe(channel, { startFromLatest: false });
      let reads = 0;
      proxy.onClientData = (data) => {
        // XREADGROUP ... STREAMS <channel> > (not the replay stream's, nor the pending list's reads)
        reads += data.toString('latin1').split(`\r\n${channel}\r\n$1\r\n>\r\n`).length - 1;
      };
      // The reads written when the first entry of each batch of 1,000 is handled.
      const readsAtBatchStart: number[] = [];
      let handled = 0;
      s.registerHandler(channel, (_name, body) => {
        if (Number(body) % 1000 === 0) readsAtBatchStart.push(reads);
        handled++;
      });
      const run = s.persistConsume({ blockMs: 200, count: 1000, maxCount: 1000 });
      await waitFor(() => handled === 3000, 'every entry handled');
      await s.cleanup();
      await run;
      proxy.onClientData = undefined;
      // Batch k (from 1) is handled once read k + 1 was written (the fourth read finds the end).
      assert.deepEqual(readsAtBatchStart, [2, 3, 4]);
    });
  }
});

/**
 * Publishing edge cases on a real server: many concurrent sendMessage calls in one tick (coalesced
 * into several chunks) all append and settle; a hook that writes a non-string field value does not
 * crash the process (the value is written as ioredis writes it, as a string).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../src/index.js';
import { uniqueChannel, useRedis } from '../support/harness.js';

const redis = useRedis();

describe('publishing, coalesced and hooked', () => {
  it('2,500 sendMessage calls in one tick all append, in order, and all resolve', async () => {
    const channel = uniqueChannel('coalesce');
    const s = redis.streamer('coalesce-pub');
    const ids = await Promise.all(
      Array.from({ length: 2500 }, (_, i) => s.sendMessage(channel, { name: 'n', body: { i } })),
    );
    assert.equal(new Set(ids).size, 2500);
    const entries = await redis.client.xrange(channel, '-', '+');
    assert.equal(entries.length, 2500);
    assert.deepEqual(
      entries.map(([id]) => id),
      ids,
      'appended in call order, each call resolved to its entry',
    );
  });

  it('a hook field that is not a string is written as a string, without crashing', async () => {
    const channel = uniqueChannel('hook-field');
    const s = redis.streamer('hook-field-pub', {
      logger: silentLogger,
      hooks: {
        onPublish: ({ fields }) => {
          (fields as Record<string, unknown>)['sampled'] = true;
          (fields as Record<string, unknown>)['attempt'] = 2;
        },
      },
    });
    await s.sendMessage(channel, { name: 'one', body: 1 }); // a lone XADD
    await s.sendMessages(channel, [
      { name: 'two', body: 2 },
      { name: 'three', body: 3 },
    ]); // the publish script
    const entries = await redis.client.xrange(channel, '-', '+');
    assert.equal(entries.length, 3);
    for (const [, fields] of entries) {
      assert.equal(fields[fields.indexOf('sampled') + 1], 'true');
      assert.equal(fields[fields.indexOf('attempt') + 1], '2');
    }
  });
});

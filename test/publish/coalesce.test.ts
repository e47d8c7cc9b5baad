/**
 * Publishing edge cases on a real server: many concurrent sendMessage calls in one tick (coalesced
 * into several chunks) all append and settle; a hook that writes a number or boolean field has it
 * written as text, one that writes an object fails the publish with an InvalidMessageError (no
 * crash, nothing appended).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidMessageError, silentLogger } from '../../src/index.js';
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

  it('a hook field that is a number or boolean is written as text, without crashing', async () => {
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

  it('a hook field that is an object fails the publish, naming the field; nothing is appended', async () => {
    const channel = uniqueChannel('hook-object');
    const s = redis.streamer('hook-object-pub', {
      logger: silentLogger,
      hooks: {
        onPublish: ({ fields, message }) => {
          if (message.name === 'bad') (fields as Record<string, unknown>)['ctx'] = { span: 1 };
        },
      },
    });
    const invalid = (err: unknown): boolean =>
      err instanceof InvalidMessageError && /extra field "ctx" must be a string, got object/.test(err.message);
    await assert.rejects(s.sendMessage(channel, { name: 'bad', body: 1 }), invalid);
    await assert.rejects(
      s.sendMessages(channel, [
        { name: 'good', body: 2 },
        { name: 'bad', body: 3 },
      ]),
      invalid,
    );
    assert.equal(await redis.client.xlen(channel), 0, 'nothing of the refused batch appended');
    await s.sendMessage(channel, { name: 'good', body: 4 });
    assert.equal(await redis.client.xlen(channel), 1, 'the streamer goes on publishing');
  });
});

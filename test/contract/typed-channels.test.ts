/**
 * Typed channels at run time, with three real schema libraries (Zod 4, Valibot 1, ArkType 2) and a
 * hand-written Standard Schema, so the library is shown to depend on the spec, not on a vendor:
 * valid messages pass both ways (transforms applied), invalid ones are refused on publish with
 * their issues and nothing appended, and invalid ones read from the stream (raw XADD, or written as
 * dtpyfw writes them) are dead-lettered with reason `schema` while the consumer goes on.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { type } from 'arktype';
import * as v from 'valibot';
import { z } from 'zod';
import {
  ConfigError,
  defineChannel,
  InvalidMessageError,
  silentLogger,
  type AnyChannelContract,
  type DeadLetter,
  type RedisStreamer,
} from '../../src/index.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';

const redis = useRedis();
const CONSUME = { blockMs: 200 } as const;

/** The same contract shape with each vendor: `order.created` { orderId: string, total: number > 0 }. */
const VENDORS = {
  zod: () => z.object({ orderId: z.string(), total: z.number().positive() }),
  valibot: () => v.object({ orderId: v.string(), total: v.pipe(v.number(), v.minValue(0.01)) }),
  arktype: () => type({ orderId: 'string', total: 'number > 0' }),
} as const;

async function consumed(
  streamer: RedisStreamer,
  contract: AnyChannelContract,
): Promise<Array<{ name: string; payload: unknown }>> {
  const got: Array<{ name: string; payload: unknown }> = [];
  await streamer.subscribe(contract, { startFromLatest: false });
  streamer.registerHandler(contract, (name: string, payload: unknown) => void got.push({ name, payload }));
  void streamer.persistConsume(CONSUME);
  return got;
}

async function deadLetters(streamer: RedisStreamer, channel: string, count: number): Promise<DeadLetter[]> {
  const queue = streamer.deadLetters(channel);
  await waitFor(async () => (await queue.size()) >= count, `${count} dead letters on ${channel}`);
  return queue.list();
}

for (const [vendor, schema] of Object.entries(VENDORS)) {
  describe(`typed channels with ${vendor}`, () => {
    it('publishes and handles a valid message; refuses an invalid one with its issues, appending nothing', async () => {
      const channel = uniqueChannel(`typed-${vendor}`);
      const orders = defineChannel(channel, { 'order.created': schema() });
      const consumer = redis.streamer(`typed-${vendor}-consumer`);
      const got = await consumed(consumer, orders);
      const publisher = redis.streamer(`typed-${vendor}-publisher`);

      await publisher.sendMessage(orders, { name: 'order.created', body: { orderId: 'A-1', total: 5 } });
      const bad = { name: 'order.created', body: { orderId: 42, total: -1 } } as never;
      const err = await publisher.sendMessage(orders, bad).then(
        () => assert.fail('an invalid body was published'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof InvalidMessageError, `${String(err)}`);
      assert.deepEqual(err.issues.map((i) => i.path).sort(), ['orderId', 'total']);
      assert.match(err.message, /orderId/);
      assert.equal(await redis.client.xlen(channel), 1, 'only the valid message was appended');

      await waitFor(() => got.length === 1, 'the valid message handled');
      assert.deepEqual(got, [{ name: 'order.created', payload: { orderId: 'A-1', total: 5 } }]);
    });

    it('a batch with one invalid message appends nothing and names the message by its index', async () => {
      const channel = uniqueChannel(`typed-batch-${vendor}`);
      const orders = defineChannel(channel, { 'order.created': schema() });
      const publisher = redis.streamer(`typed-batch-${vendor}`);
      const messages = [
        { name: 'order.created', body: { orderId: 'A-1', total: 1 } },
        { name: 'order.created', body: { orderId: 'A-2' } },
        { name: 'order.created', body: { orderId: 'A-3', total: 3 } },
      ] as never[];
      await assert.rejects(publisher.sendMessages(orders, messages), (e: unknown) => {
        assert.ok(e instanceof InvalidMessageError);
        assert.deepEqual(
          e.issues.map((i) => i.path),
          ['[1].total'],
        );
        return true;
      });
      assert.equal(await redis.client.exists(channel), 0, 'nothing of the batch was appended');
    });

    it('an invalid entry read from the stream is dead-lettered with reason schema; the consumer goes on', async () => {
      const channel = uniqueChannel(`typed-receive-${vendor}`);
      const orders = defineChannel(channel, { 'order.created': schema() });
      const warnings: Array<{ fields: object; message: string }> = [];
      const logger = {
        ...silentLogger,
        warn: (fields: object, message = '') => void warnings.push({ fields, message }),
      };
      const consumer = redis.streamer(`typed-receive-${vendor}`, { delivery: 'at-least-once', logger });
      const got = await consumed(consumer, orders);
      await redis.client.xadd(channel, '*', 'name', 'order.created', 'body', '{"orderId": 7}');
      await redis.client.xadd(channel, '*', 'name', 'order.created', 'body', '{"orderId": "B-2", "total": 2}');
      await waitFor(() => got.length === 1, 'the valid entry handled after the invalid one');
      const [dead] = await deadLetters(consumer, channel, 1);
      assert.equal(dead?.reason, 'schema');
      assert.match(dead?.error ?? '', /orderId/);
      assert.match(dead?.error ?? '', /total/);
      // No handler ran, so none failed: the streamer says itself what became of the entry.
      const said = warnings.filter((w) => /was not handled \(schema\)/.test(w.message));
      assert.equal(said.length, 1, `warnings: ${JSON.stringify(warnings.map((w) => w.message))}`);
      assert.match(
        said[0]!.message,
        new RegExp(`^entry ${dead.id} of "${channel}" was not handled \\(schema\\): .*orderId`),
      );
      assert.match(said[0]!.message, /dead-lettered to ".*"$/);
      assert.doesNotMatch(JSON.stringify(said), /"orderId": 7/, 'never the body');
      assert.equal(got[0]?.name, 'order.created');
      const pending = await redis.client.xpending(channel, `${channel}:${consumer.service}:cg`);
      assert.equal(pending[0], 0, 'both entries settled (acknowledged or dead-lettered)');
    });
  });
}

describe('typed channels: transforms, async schemas, unknown events', () => {
  it("writes the schema's output (transforms and defaults) and hands the consumer's output to handlers", async () => {
    const channel = uniqueChannel('typed-transform');
    const orders = defineChannel(channel, {
      'order.created': z.object({
        orderId: z.string().transform((s) => s.trim().toUpperCase()),
        currency: z.string().default('EUR'),
      }),
    });
    const consumer = redis.streamer('typed-transform');
    const got = await consumed(consumer, orders);
    await redis
      .streamer('typed-transform-pub')
      .sendMessage(orders, { name: 'order.created', body: { orderId: ' a-1 ' } });
    const entries = (await redis.client.xrange(channel, '-', '+')) as Array<[string, string[]]>;
    assert.equal(entries[0]?.[1][3], '{"orderId":"A-1","currency":"EUR"}', 'the output was written');
    await waitFor(() => got.length === 1, 'handled');
    assert.deepEqual(got[0]?.payload, { orderId: 'A-1', currency: 'EUR' });
  });

  it('async validators work on both sides', async () => {
    const channel = uniqueChannel('typed-async');
    const known = z.object({ sku: z.string() }).refine(async (b) => {
      await new Promise((r) => setImmediate(r));
      return b.sku !== 'RECALLED';
    }, 'this SKU is recalled');
    const items = defineChannel(channel, { 'item.sold': known });
    const consumer = redis.streamer('typed-async', { delivery: 'at-least-once' });
    const got = await consumed(consumer, items);
    const publisher = redis.streamer('typed-async-pub');
    await assert.rejects(
      publisher.sendMessage(items, { name: 'item.sold', body: { sku: 'RECALLED' } }),
      (e: unknown) => e instanceof InvalidMessageError && /recalled/.test(e.message),
    );
    assert.equal(await redis.client.xlen(channel), 0, 'nothing appended');
    await publisher.sendMessages(items, [{ name: 'item.sold', body: { sku: 'OK-1' } }]);
    await redis.client.xadd(channel, '*', 'name', 'item.sold', 'body', '{"sku": "RECALLED"}');
    await waitFor(() => got.length === 1, 'the valid one handled');
    const [dead] = await deadLetters(consumer, channel, 1);
    assert.equal(dead?.reason, 'schema');
    assert.match(dead?.error ?? '', /recalled/);
  });

  it("unknown event names: dead-lettered by default, settled without a handler with unknownEvents: 'ignore'", async () => {
    for (const unknownEvents of ['dead-letter', 'ignore'] as const) {
      const channel = uniqueChannel(`typed-unknown-${unknownEvents}`);
      const orders = defineChannel(channel, { 'order.created': z.object({ orderId: z.string() }) }, { unknownEvents });
      const consumer = redis.streamer(`typed-unknown-${unknownEvents}`, { delivery: 'at-least-once' });
      const got = await consumed(consumer, orders);
      await redis.client.xadd(channel, '*', 'name', 'order.refunded', 'body', '{"orderId": "A"}');
      await redis.client.xadd(channel, '*', 'name', 'order.created', 'body', '{"orderId": "B"}');
      await waitFor(() => got.length === 1, 'the known event handled');
      assert.deepEqual(got[0], { name: 'order.created', payload: { orderId: 'B' } });
      const group = `${channel}:${consumer.service}:cg`;
      await waitFor(async () => (await redis.client.xpending(channel, group))[0] === 0, 'nothing left pending');
      const dead = await consumer.deadLetters(channel).list();
      if (unknownEvents === 'ignore') assert.equal(dead.length, 0);
      else
        assert.deepEqual(
          dead.map((d) => [d.reason, d.id.length > 0]),
          [['unknown-event', true]],
        );
    }
  });

  it('publishing an event name the contract does not list is refused before anything is sent', async () => {
    const channel = uniqueChannel('typed-unknown-pub');
    const orders = defineChannel(channel, { 'order.created': z.object({ orderId: z.string() }) });
    const err = await redis
      .streamer('typed-unknown-pub')
      .sendMessage(orders, { name: 'order.shipped', body: {} } as never)
      .catch((e: unknown) => e);
    assert.ok(err instanceof InvalidMessageError);
    assert.match(err.message, /"order\.shipped" is not in the contract/);
    assert.equal(await redis.client.exists(channel), 0);
  });

  it('a channel named by its string is validated once a contract was bound to it', async () => {
    const channel = uniqueChannel('typed-bound');
    const orders = defineChannel(channel, { 'order.created': z.object({ orderId: z.string() }) });
    const streamer = redis.streamer('typed-bound');
    await streamer.subscribe(orders);
    await assert.rejects(
      streamer.sendMessage(channel, { name: 'order.created', body: { orderId: 1 } }),
      InvalidMessageError,
    );
    const other = defineChannel(channel, { 'order.created': z.object({ orderId: z.string() }) });
    await assert.rejects(streamer.subscribe(other), ConfigError, 'another contract of the same name');
    assert.throws(() => streamer.registerHandler({ name: channel } as never, () => {}), ConfigError);
  });
});

describe('typed channels beside dtpyfw', () => {
  it('entries written as dtpyfw writes them pass through a contract (a hand-written Standard Schema)', async () => {
    interface Fixture {
      readonly case: string;
      readonly name: string;
      readonly body: string;
      readonly expected: unknown;
    }
    const fixtures = JSON.parse(readFileSync('test/fixtures/dtpyfw-wire.json', 'utf8')) as Fixture[];
    const seen: unknown[] = [];
    // A schema of no vendor: it records what it was given and accepts it.
    const recorder: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) => {
          seen.push(value);
          return { value };
        },
      },
    };
    const channel = uniqueChannel('typed-dtpyfw');
    const names = [...new Set(fixtures.map((f) => f.name))];
    const contract = defineChannel(channel, Object.fromEntries(names.map((n) => [n, recorder])));
    const consumer = redis.streamer('typed-dtpyfw');
    const got = await consumed(consumer, contract);
    for (const f of fixtures) await redis.client.xadd(channel, '*', 'name', f.name, 'body', f.body);
    await waitFor(() => got.length === fixtures.length, 'every dtpyfw entry handled');
    fixtures.forEach((f, i) => {
      assert.deepEqual(seen[i], got[i]?.payload, `${f.case}: the handler got what the schema passed`);
      if (f.expected !== null) assert.deepEqual(got[i]?.payload, revive(f.expected), f.case);
    });
  });
});

/** The fixture's sentinels for what JSON cannot hold, as a reader gets them. */
function revive(value: unknown): unknown {
  if (value === '__NaN__') return NaN;
  if (value === '__Infinity__') return Infinity;
  if (value === '__-Infinity__') return -Infinity;
  if (typeof value === 'string' && value.startsWith('__int__:')) return Number(value.slice('__int__:'.length));
  if (Array.isArray(value)) return value.map(revive);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
  }
  return value;
}

describe('defineChannel input checks', () => {
  it('refuses what is not a contract', () => {
    assert.throws(() => defineChannel('', { a: z.string() }), ConfigError);
    assert.throws(() => defineChannel('c', {}), ConfigError);
    assert.throws(() => defineChannel('c', { a: {} as never }), /not a Standard Schema/);
    assert.throws(() => defineChannel('c', { a: z.string() }, { unknownEvent: 'ignore' } as never), /unknownEvents/);
    assert.throws(() => defineChannel('c', { a: z.string() }, { unknownEvents: 'drop' } as never), ConfigError);
    assert.throws(() => defineChannel('c\uD800', { a: z.string() }), ConfigError);
  });
});

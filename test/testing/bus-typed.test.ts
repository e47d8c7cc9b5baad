/**
 * Typed channels through the test kit, unchanged: the same scenario (a valid message, an entry whose
 * body fails the schema, an event the contract does not list, a typed publish refused before
 * sending) runs on the kit and on a private redis-server, and ends the same: the invalid entry
 * dead-lettered with reason `schema`, the unknown event with `unknown-event`, the valid one handled.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { defineChannel, RedisStreamer, silentLogger, type RedisSource, type Transport } from 'redis-streamer';
import { createTestBus } from 'redis-streamer/testing';
import { waitFor } from '../support/harness.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

const orders = defineChannel('typed-orders', {
  'order.paid': z.object({ orderId: z.string(), total: z.number().positive() }),
});

interface Outcome {
  handled: Array<[string, unknown]>;
  deadLetters: Array<[string | undefined, string, string]>;
  refused: string;
}

/** The scenario, on `source`; `xadd` appends a raw entry; `settle` waits until it is all done. */
async function scenario(
  source: RedisSource | Transport,
  xadd: (...fields: string[]) => Promise<unknown>,
  settle: (billing: RedisStreamer, handled: () => number) => Promise<void>,
): Promise<Outcome> {
  const billing = new RedisStreamer(source, 'billing', { logger: silentLogger, delivery: 'at-least-once' });
  const shop = new RedisStreamer(source, 'shop', { logger: silentLogger });
  try {
    await billing.subscribe(orders);
    const handled: Array<[string, unknown]> = [];
    billing.registerHandler(orders, (name, payload) => void handled.push([name, payload]));
    const run = billing.persistConsume({ blockMs: 200 });
    const refused = await shop.sendMessage(orders, { name: 'order.paid', body: { orderId: 'A', total: -1 } }).then(
      () => 'sent',
      (err: Error & { code?: string }) => err.code ?? 'no code',
    );
    await xadd('name', 'order.paid', 'body', '{"orderId": 7}');
    await xadd('name', 'order.shipped', 'body', '{}');
    await shop.sendMessage(orders, { name: 'order.paid', body: { orderId: 'B', total: 12.5 } });
    await settle(billing, () => handled.length);
    const dead = await billing.deadLetters(orders).list();
    await billing.cleanup();
    await run;
    return {
      handled,
      deadLetters: dead.map((d) => [d.name, d.reason, d.group]),
      refused,
    };
  } finally {
    await Promise.all([billing.cleanup(), shop.cleanup()]);
  }
}

describe('test bus: typed channels work through the kit as on Redis', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(() => server.stop());

  it('a body failing the schema is dead-lettered with reason schema, on the kit and on Redis alike', async () => {
    const bus = createTestBus();
    const onKit = await scenario(
      bus.transport,
      (...fields) => Promise.resolve(bus.redis('XADD', orders.name, '*', ...fields)),
      () => bus.settled(),
    );
    await bus.close();

    const client = new Redis(server.url);
    const onRedis = await scenario(
      server.url,
      (...fields) => client.xadd(orders.name, '*', ...fields),
      async (billing) => {
        await waitFor(async () => (await billing.deadLetters(orders).size()) === 2, 'two dead letters');
        await waitFor(async () => (await billing.getStats()).handled === 1, 'the valid message handled');
      },
    );
    client.disconnect();

    assert.deepEqual(onKit, {
      handled: [['order.paid', { orderId: 'B', total: 12.5 }]],
      deadLetters: [
        ['order.paid', 'schema', 'typed-orders:billing:cg'],
        ['order.shipped', 'unknown-event', 'typed-orders:billing:cg'],
      ],
      refused: 'ERR_INVALID_MESSAGE',
    });
    assert.deepEqual(onKit, onRedis, 'the kit ends as Redis does');
  });
});

/**
 * Real Nest microservice applications on the redis-streamer transport: every service gets every
 * event (fan-out), the instances of one service share them (each handled once), and events cross
 * between Nest and plain library code both ways.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  OnStreamEvent,
  RedisStreamerClient,
  RedisStreamerContext,
  RedisStreamerRecord,
} from '../../src/nestjs/index.js';
import { silentLogger, type MessageContext } from '../../src/index.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { startService } from './nest-apps.js';

const redis = useRedis();

interface Seen {
  readonly service: string;
  readonly payload: unknown;
  readonly channel: string;
  readonly id: string;
  readonly attempt: number;
  readonly key: string | undefined;
}

/** A controller class per service, recording into `seen`. */
function ordersController(service: string, seen: Seen[], delayMs = 0): new () => object {
  @Controller()
  class OrdersController {
    @OnStreamEvent('order.created')
    async created(@Payload() payload: unknown, @Ctx() ctx: RedisStreamerContext): Promise<void> {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      seen.push({
        service,
        payload,
        channel: ctx.getChannel(),
        id: ctx.getId(),
        attempt: ctx.getAttempt(),
        key: ctx.getIdempotencyKey(),
      });
    }
  }
  return OrdersController;
}

describe('NestJS transport: fan-out and load sharing', () => {
  it('two services both receive every event, with the context through @Ctx()', async () => {
    const channel = uniqueChannel('nest-fanout');
    const seen: Seen[] = [];
    for (const service of ['billing', 'shipping']) {
      await startService({
        url: redis.url,
        service,
        channels: [channel],
        controllers: [ordersController(service, seen)],
      });
    }
    const publisher = redis.streamer('publisher');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await publisher.sendMessage(channel, { name: 'order.created', body: { i } }));
    await waitFor(() => seen.length === 10, 'both services handled the 5 events');
    for (const service of ['billing', 'shipping']) {
      const mine = seen.filter((s) => s.service === service);
      assert.deepEqual(
        mine.map((s) => s.payload),
        [0, 1, 2, 3, 4].map((i) => ({ i })),
      );
      assert.deepEqual(
        mine.map((s) => s.id),
        ids,
      );
      assert.ok(mine.every((s) => s.channel === channel && s.attempt === 1 && s.key === undefined));
    }
  });

  it('two instances of one service share its events: each is handled once', async () => {
    const channel = uniqueChannel('nest-share');
    const seen: Seen[] = [];
    // One entry per read, handled in 2 ms: neither instance can take the whole backlog at once.
    const instance = (name: string) =>
      startService({
        url: redis.url,
        service: 'billing',
        channels: [channel],
        controllers: [ordersController(name, seen, 2)],
        options: { consume: { count: 1, maxCount: 1, blockMs: 200 } },
      });
    const a = await instance('a');
    const b = await instance('b');
    const publisher = redis.streamer('publisher');
    const total = 200;
    await publisher.sendMessages(
      channel,
      Array.from({ length: total }, (_, i) => ({ name: 'order.created', body: { i } })),
    );
    await waitFor(() => seen.length >= total, `${total} events handled`);
    await new Promise((r) => setTimeout(r, 300)); // room for a duplicate to show up
    const handled = seen.map((s) => (s.payload as { i: number }).i).sort((x, y) => x - y);
    assert.deepEqual(
      handled,
      Array.from({ length: total }, (_, i) => i),
      'every event exactly once',
    );
    assert.ok(
      seen.some((s) => s.service === 'a') && seen.some((s) => s.service === 'b'),
      'both instances took a share',
    );
    assert.notEqual(
      a.transport.unwrap<{ consumer: string }>().consumer,
      b.transport.unwrap<{ consumer: string }>().consumer,
    );
  });

  it("a plain publisher's event reaches a Nest handler, and the Nest client's event a plain consumer", async () => {
    const channel = uniqueChannel('nest-cross');
    const seen: Seen[] = [];
    await startService({
      url: redis.url,
      service: 'nest-side',
      channels: [channel],
      controllers: [ordersController('nest', seen)],
    });
    const plain = redis.streamer('plain-side');
    const got: Array<{ name: string; payload: unknown; context: MessageContext }> = [];
    await plain.subscribe(channel);
    plain.registerHandler(channel, (name, payload, context) => void got.push({ name, payload, context }));
    void plain.persistConsume({ blockMs: 200 });

    const plainId = await redis
      .streamer('plain-publisher')
      .sendMessage(channel, { name: 'order.created', body: { from: 'plain' } });
    const client = new RedisStreamerClient({ redis: redis.url, channel, logger: silentLogger });
    const nestId = await lastValueFrom(
      client.emit('order.created', new RedisStreamerRecord({ from: 'nest' }, { idempotencyKey: 'order-7' })),
    );
    // The same key again appends nothing and answers the first id.
    assert.equal(
      await lastValueFrom(
        client.emit('order.created', new RedisStreamerRecord({ from: 'nest' }, { idempotencyKey: 'order-7' })),
      ),
      nestId,
    );
    await client.close();

    await waitFor(() => seen.length === 2 && got.length === 2, 'both sides got both events');
    assert.deepEqual(
      seen.map((s) => [s.id, s.payload, s.key]),
      [
        [plainId, { from: 'plain' }, undefined],
        [nestId, { from: 'nest' }, 'order-7'],
      ],
    );
    assert.deepEqual(
      got.map((g) => [g.name, g.context.id, g.payload, g.context.idempotencyKey]),
      [
        ['order.created', plainId, { from: 'plain' }, undefined],
        ['order.created', nestId, { from: 'nest' }, 'order-7'],
      ],
    );
  });
});

/**
 * A typed channel (defineChannel) handled in a Nest controller: `@OnStreamEvent(contract, event)`
 * gets the schema's output (validated on receipt, transforms applied), the client's emit of a
 * `streamEvent(...)` pattern validates before anything is sent, and an invalid body from a plain
 * publisher is dead-lettered with reason `schema` before any Nest code runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { z } from 'zod';
import { defineChannel, InvalidMessageError, silentLogger, type AnyEventPayload } from '../../src/index.js';
import { OnStreamEvent, RedisStreamerClient, RedisStreamerContext, streamEvent } from '../../src/nestjs/index.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { startService } from './nest-apps.js';

const redis = useRedis();

function ordersChannel() {
  return defineChannel(uniqueChannel('nest-typed'), {
    'order.created': z.object({ orderId: z.string(), total: z.number() }),
    'order.paid': z.object({ orderId: z.string(), paidAt: z.iso.datetime().transform((s) => new Date(s)) }),
    'order.cancelled': z.object({ orderId: z.string(), reason: z.string() }),
  });
}

describe('NestJS transport: typed channels', () => {
  it('a Nest handler gets the validated, transformed payload; the client validates what it emits', async () => {
    const orders = ordersChannel();
    const created: Array<{ orderId: string; total: number }> = [];
    const paidAt: Date[] = [];
    const others: Array<[string, AnyEventPayload<typeof orders>]> = [];
    @Controller()
    class Orders {
      @OnStreamEvent(orders, 'order.created')
      created(@Payload() order: { orderId: string; total: number }): void {
        created.push(order);
      }

      @EventPattern(streamEvent(orders, 'order.paid'))
      paid(@Payload() order: { orderId: string; paidAt: Date }): void {
        paidAt.push(order.paidAt);
      }

      @OnStreamEvent(orders)
      any(@Payload() payload: AnyEventPayload<typeof orders>, @Ctx() ctx: RedisStreamerContext): void {
        others.push([ctx.getEvent(), payload]);
      }
    }
    await startService({ url: redis.url, service: 'typed', channels: [orders], controllers: [Orders] });
    const client = new RedisStreamerClient({ redis: redis.url, logger: silentLogger });

    await lastValueFrom(client.emit(streamEvent(orders, 'order.created'), { orderId: 'A1', total: 10 }));
    await lastValueFrom(
      client.emit(streamEvent(orders, 'order.paid'), { orderId: 'A1', paidAt: '2026-01-02T03:04:05Z' }),
    );
    await lastValueFrom(client.emit(streamEvent(orders, 'order.cancelled'), { orderId: 'A1', reason: 'changed mind' }));
    await assert.rejects(
      lastValueFrom(
        client.emit(streamEvent(orders, 'order.created'), { orderId: 'A2', total: 'ten' as unknown as number }),
      ),
      (err) => err instanceof InvalidMessageError && /total/.test(err.message),
    );
    await client.close();

    await waitFor(() => created.length === 1 && paidAt.length === 1 && others.length === 1, 'the three events handled');
    assert.deepEqual(created, [{ orderId: 'A1', total: 10 }]);
    assert.ok(paidAt[0] instanceof Date, 'the schema output (a Date), not the wire string');
    assert.equal(paidAt[0]?.toISOString(), '2026-01-02T03:04:05.000Z');
    assert.deepEqual(
      others,
      [['order.cancelled', { orderId: 'A1', reason: 'changed mind' }]],
      'the catch-all took the rest',
    );
    assert.equal(await redis.client.xlen(orders.name), 3, 'the invalid event was never appended');
  });

  it("an invalid body from a plain publisher is dead-lettered with reason 'schema', before any Nest code runs", async () => {
    const orders = ordersChannel();
    const calls: unknown[] = [];
    @Controller()
    class Orders {
      @OnStreamEvent(orders, 'order.created')
      created(@Payload() order: { orderId: string; total: number }): void {
        calls.push(order);
      }
    }
    await startService({ url: redis.url, service: 'typed-recv', channels: [orders], controllers: [Orders] });
    // Published by name, so the publisher does not validate.
    await redis.streamer('untyped-pub').sendMessage(orders.name, { name: 'order.created', body: { orderId: 7 } });
    await redis
      .streamer('untyped-pub')
      .sendMessage(orders.name, { name: 'order.created', body: { orderId: 'ok', total: 1 } });
    await waitFor(() => calls.length === 1, 'the valid one handled');
    const letters = await redis.streamer('dlq').deadLetters(orders.name).list();
    assert.equal(letters.length, 1);
    assert.equal(letters[0]?.reason, 'schema');
    assert.deepEqual(calls, [{ orderId: 'ok', total: 1 }]);
  });
});

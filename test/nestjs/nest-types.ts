/**
 * Type-level tests of the NestJS subpath, checked by `npm run typecheck` (tsc over test/): every
 * line marked `@ts-expect-error` must fail to compile (tsc reports an unused directive otherwise),
 * every other line must compile. Never run; the classes and functions are only type-checked.
 */
import { Ctx, Payload } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { z } from 'zod';
import { defineChannel } from '../../src/index.js';
import {
  OnStreamEvent,
  RedisStreamerRecord,
  streamEvent,
  type RedisStreamerClient,
  type RedisStreamerContext,
} from '../../src/nestjs/index.js';

const orders = defineChannel('orders', {
  'order.created': z.object({ orderId: z.string(), total: z.number() }),
  'order.paid': z.object({ orderId: z.string(), paidAt: z.iso.datetime().transform((s) => new Date(s)) }),
});

/** A payload type stated by the handler (not checked at run time). */
interface Order {
  readonly orderId: string;
}

/** A DTO class of the same shape as the event (what a validation pipe would make). */
class OrderCreatedDto {
  orderId!: string;
  total!: number;
}

export class Handlers {
  @OnStreamEvent(orders, 'order.created')
  created(@Payload() order: { orderId: string; total: number }, ctx: RedisStreamerContext): void {
    void order.total;
    void ctx.getAttempt();
  }

  @OnStreamEvent(orders, 'order.created')
  asDto(@Payload() order: OrderCreatedDto): void {
    void order;
  }

  @OnStreamEvent(streamEvent(orders, 'order.paid'))
  paid(order: { orderId: string; paidAt: Date }): void {
    void order.paidAt.getTime();
  }

  @OnStreamEvent(orders)
  any(payload: { orderId: string; total: number } | { orderId: string; paidAt: Date }): void {
    void payload.orderId;
  }

  @OnStreamEvent(orders, 'order.created')
  untyped(payload: unknown): void {
    void payload;
  }

  @OnStreamEvent<Order>('order.created')
  byName(@Payload() order: Order, @Ctx() ctx: RedisStreamerContext): void {
    void order.orderId;
    void ctx.getChannel();
  }

  @OnStreamEvent<Order>({ channel: 'orders', event: 'order.created' })
  byChannelAndName(order: Order): void {
    void order;
  }

  // @ts-expect-error without a type argument the payload of an event name is unknown
  @OnStreamEvent('order.created')
  unstated(order: Order): void {
    void order;
  }

  // @ts-expect-error the payload parameter is not the event's (another shape)
  @OnStreamEvent(orders, 'order.created')
  wrongShape(order: { sku: number }): void {
    void order;
  }

  // @ts-expect-error the payload parameter is of another event (paidAt is a Date in order.paid)
  @OnStreamEvent(orders, 'order.paid')
  wrongEvent(order: { orderId: string; paidAt: string }): void {
    void order;
  }

  // @ts-expect-error the payload must come first
  @OnStreamEvent(orders, 'order.created')
  contextFirst(ctx: RedisStreamerContext, order: { orderId: string; total: number }): void {
    void ctx;
    void order;
  }

  // @ts-expect-error an event the contract does not list
  @OnStreamEvent(orders, 'order.shipped')
  unknownEvent(order: unknown): void {
    void order;
  }
}

export function emitting(client: RedisStreamerClient): Array<Observable<string>> {
  return [
    client.emit(streamEvent(orders, 'order.created'), { orderId: 'A', total: 1 }),
    client.emit(streamEvent(orders, 'order.paid'), { orderId: 'A', paidAt: '2026-01-01T00:00:00Z' }),
    client.emit(
      streamEvent(orders, 'order.created'),
      new RedisStreamerRecord({ orderId: 'A', total: 1 }, { idempotencyKey: 'k' }),
    ),
    // Untyped patterns take anything, as Nest's own clients do.
    client.emit('order.created', { anything: true }),
    client.emit({ channel: 'orders', event: 'order.created' }, { anything: true }),
    // @ts-expect-error a body of the wrong shape
    client.emit(streamEvent(orders, 'order.created'), { orderId: 1, total: 1 }),
    // @ts-expect-error a body missing a field
    client.emit(streamEvent(orders, 'order.created'), { orderId: 'A' }),
    // @ts-expect-error the schema's input is a string, not a Date
    client.emit(streamEvent(orders, 'order.paid'), { orderId: 'A', paidAt: new Date() }),
  ];
}

export function patterns(): void {
  // @ts-expect-error an event the contract does not list
  streamEvent(orders, 'order.shipped');
  // @ts-expect-error a name is not a contract
  streamEvent('orders', 'order.created');
}

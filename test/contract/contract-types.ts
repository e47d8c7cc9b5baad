/**
 * Type-level tests of channel contracts, checked by `npm run typecheck` (tsc over test/): every
 * line marked `@ts-expect-error` must fail to compile (tsc reports an unused directive otherwise),
 * every other line must compile. Never run; the functions are only type-checked.
 */
import { type } from 'arktype';
import * as v from 'valibot';
import { z } from 'zod';
import { defineChannel, type EventPayload, type RedisStreamer } from '../../src/index.js';

const orders = defineChannel('orders', {
  'order.created': z.object({ orderId: z.string(), total: z.number() }),
  'order.paid': v.object({
    orderId: v.string(),
    paidAt: v.pipe(
      v.string(),
      v.transform((s) => new Date(s)),
    ),
  }),
  'order.cancelled': type({ orderId: 'string', reason: 'string' }),
});

export async function publishing(streamer: RedisStreamer): Promise<void> {
  await streamer.sendMessage(orders, { name: 'order.created', body: { orderId: 'A', total: 1 } });
  await streamer.sendMessage(orders, { name: 'order.paid', body: { orderId: 'A', paidAt: '2026-01-01' } });
  await streamer.sendMessages(orders, [
    { name: 'order.created', body: { orderId: 'A', total: 1 }, idempotencyKey: 'k1' },
    { name: 'order.cancelled', body: { orderId: 'A', reason: 'r' } },
  ]);
  // @ts-expect-error an event name the contract does not list
  await streamer.sendMessage(orders, { name: 'order.shipped', body: { orderId: 'A' } });
  // @ts-expect-error a body of the wrong shape
  await streamer.sendMessage(orders, { name: 'order.created', body: { orderId: 1, total: 1 } });
  // @ts-expect-error a body missing a field
  await streamer.sendMessage(orders, { name: 'order.created', body: { orderId: 'A' } });
  // @ts-expect-error the body of another event
  await streamer.sendMessages(orders, [{ name: 'order.paid', body: { orderId: 'A', total: 1 } }]);
  // Untyped publishing stays as it was.
  await streamer.sendMessage('orders', { name: 'anything', body: { any: 'thing' } });
}

export function handling(streamer: RedisStreamer): void {
  streamer.registerHandler(orders, (name, payload, context) => {
    if (name === 'order.paid') {
      const at: Date = payload.paidAt; // the schema's output type
      void at;
    } else if (name === 'order.created') {
      const total: number = payload.total;
      void total;
    } else {
      const reason: string = payload.reason;
      void reason;
    }
    void context.id;
  });
  streamer.registerHandler(
    orders,
    (name, payload) => {
      const n: 'order.created' = name;
      const total: number = payload.total;
      void n;
      void total;
    },
    { name: 'order.created' },
  );
  // @ts-expect-error a handler of one event reading another event's field
  streamer.registerHandler(orders, (_name, payload) => payload.reason, { name: 'order.created' });
  // @ts-expect-error an event name the contract does not list
  streamer.registerHandler(orders, () => undefined, { name: 'order.shipped' });
  // @ts-expect-error a handler whose payload parameter has the wrong type
  streamer.registerHandler(orders, (_name: string, _payload: { nope: number }) => undefined, { name: 'order.paid' });
  // Untyped handlers stay as they were.
  streamer.registerHandler('orders', (_name, payload) => void payload);
}

export async function ordering(streamer: RedisStreamer): Promise<void> {
  await streamer.subscribe(orders, { orderingKey: (payload) => payload.orderId });
  // @ts-expect-error not every event's payload has `total`
  // eslint-disable-next-line @typescript-eslint/no-unsafe-return
  await streamer.subscribe(orders, { orderingKey: (payload) => payload.total });
}

export const paidAt: EventPayload<typeof orders, 'order.paid'>['paidAt'] = new Date();

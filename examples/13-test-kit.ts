/**
 * Example 13: the test kit (`redis-streamer/testing`): your handlers and flows without Redis.
 *
 * `createTestBus()` gives real RedisStreamers over an in-memory Redis, on a clock of the bus's own:
 * `await bus.settled()` runs every message to its end (retries and their backoffs included) by
 * moving that clock, so a retry path with seconds of backoff runs in milliseconds. The bus records
 * what each service handled, failed and dead-lettered. Here: billing and shipping both get every
 * order (fan-out); billing's mail service fails twice, so one invoice is sent on the third attempt;
 * a poison order is dead-lettered after its three attempts. This program needs no Redis.
 * In a test, assert on the same records (see examples/testing/invoice.test.ts and docs/testing.md).
 *
 *   npx tsx examples/13-test-kit.ts
 */
import { createTestBus } from 'redis-streamer/testing';

await using bus = createTestBus(); // closed, with its streamers, at the end of the scope
const started = { bus: bus.clock.now(), real: performance.now() };

let mailFailures = 2; // the mail service is down for two calls
const billing = bus.streamer('billing', { delivery: 'at-least-once', maxAttempts: 3 });
await billing.subscribe('orders');
billing.registerHandler('orders', (_name: string, order: { orderId: string }) => {
  if (order.orderId === 'poison') throw new Error('cannot bill this order');
  if (mailFailures-- > 0) throw new Error('mail service unavailable');
});
const shipping = bus.streamer('shipping');
await shipping.subscribe('orders');
shipping.registerHandler('orders', () => {});
void billing.persistConsume();
void shipping.persistConsume();

const shop = bus.streamer('shop');
await shop.sendMessage('orders', { name: 'order.paid', body: { orderId: 'o-1' } });
await shop.sendMessage('orders', { name: 'order.paid', body: { orderId: 'poison' } });
await bus.settled(); // every message handled, retried to its end or dead-lettered

const show = (payload: unknown): string => (payload as { orderId: string }).orderId;
for (const h of bus.handled()) console.log(`${h.service} handled ${h.name} ${show(h.payload)} on attempt ${h.attempt}`);
for (const f of bus.failed()) console.log(`${f.service} failed ${show(f.payload)} on attempt ${f.attempt}`);
for (const d of bus.deadLettered()) {
  console.log(`${d.service} dead-lettered an entry: ${d.reason} after ${d.attempts} attempts`);
}
console.log(`published on orders: ${bus.published('orders').length}`);
const busSeconds = ((bus.clock.now() - started.bus) / 1000).toFixed(1);
const realMs = (performance.now() - started.real).toFixed(0);
console.log(`retries and backoffs took ${busSeconds} s on the bus clock, ${realMs} ms of real time`);

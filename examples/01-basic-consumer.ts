/**
 * Example 1: a basic consumer (dtpyfw's "Basic Async Consumer").
 *
 * A service named `order-processor` subscribes to a channel (a Redis stream), registers a handler
 * and consumes with `persistConsume()`. A second streamer, `storefront`, publishes three orders to
 * feed it. The consumer stops after three orders and closes; a real service consumes until it is
 * told to stop (see 10-graceful-shutdown.ts).
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/01-basic-consumer.ts
 */
import { createClient } from 'redis';
import { Message, RedisStreamer, type MessageContext } from 'redis-streamer';

const url = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
const orders = `example.orders.${process.pid}`; // a channel of this run only
const ORDERS = 3;

interface Order {
  readonly orderId: string;
  readonly total: number;
}

// dtpyfw's `consumer_name` is the service name: every instance named so shares the work.
const consumer = new RedisStreamer(url, 'order-processor', {
  dedupWindowMs: 24 * 60 * 60 * 1000, // dtpyfw's dedup_window_ms: no entry reaches the service twice within a day
});

let handled = 0;
let allHandled = (): void => {};
const done = new Promise<void>((resolve) => (allHandled = resolve));

async function processOrder(name: string, order: Order, ctx: MessageContext): Promise<void> {
  console.log(`order-processor got ${name} ${JSON.stringify(order)} (attempt ${ctx.attempt})`);
  await new Promise((r) => setTimeout(r, 10)); // the business logic
  if (++handled === ORDERS) allHandled();
}

// The service's consumer group starts at the end of the stream (startFromLatest, the default): it
// gets what is published from now on.
await consumer.subscribe(orders, { startFromLatest: true });
consumer.registerHandler<Order>(orders, processOrder);
// blockMs: how long one read waits for new entries; closing waits for the read in progress.
const consuming = consumer.persistConsume({ blockMs: 1000 });

const storefront = new RedisStreamer(url, 'storefront');
for (let i = 1; i <= ORDERS; i++) {
  await storefront.sendMessage(orders, new Message('order.created', { orderId: `o-${i}`, total: 10 * i }));
}
await done;

await Promise.all([consumer.close(), storefront.close()]);
await consuming; // persistConsume() resolves once the streamer stopped consuming
console.log(`order-processor handled ${handled} orders and closed`);
await removeChannels(url, orders);

/** Deletes the channels and the keys the library keeps beside them (`{channel}:...`): Redis is left as it was. */
async function removeChannels(redisUrl: string, ...channels: string[]): Promise<void> {
  const redis = await createClient({ url: redisUrl }).connect();
  for (const channel of channels) await redis.del([channel, ...(await redis.keys(`{${channel}}:*`))]);
  await redis.close();
}

/**
 * Example 8: processing a channel's history (dtpyfw's "Historical Message Processing").
 *
 * A consumer group starts where `subscribe()` creates it: with `startFromLatest: false` at the
 * beginning of the stream, so a new service backfills every entry still retained; with the default
 * (`true`) at the end, so it gets only what is published afterwards. An existing group keeps its
 * position either way. Larger batches (`count`) and no rest between reads suit a backfill.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/08-processing-history.ts
 */
import { createClient } from 'redis';
import { RedisStreamer } from 'redis-streamer';

const url = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
const orders = `example.orders.${process.pid}`; // a channel of this run only
const HISTORY = 5;

// Orders published before either service existed.
const publisher = new RedisStreamer(url, 'publisher');
await publisher.sendMessages(
  orders,
  Array.from({ length: HISTORY }, (_, i) => ({ name: 'order.created', body: { orderId: `o-${i + 1}` } })),
);
console.log(`${HISTORY} orders published before any service subscribed`);

const got = { backfill: [] as string[], live: [] as string[] };
let finish = (): void => {};
const done = new Promise<void>((resolve) => (finish = resolve));
const check = (): void => {
  if (got.backfill.length === HISTORY + 1 && got.live.length === 1) finish();
};

const backfill = new RedisStreamer(url, 'backfill-service');
await backfill.subscribe(orders, { startFromLatest: false }); // from the beginning
backfill.registerHandler(orders, (_name: string, order: { orderId: string }) => {
  console.log(`Backfilling: ${order.orderId}`);
  got.backfill.push(order.orderId);
  check();
});

const live = new RedisStreamer(url, 'live-service');
await live.subscribe(orders); // startFromLatest: true, the default
live.registerHandler(orders, (_name: string, order: { orderId: string }) => {
  console.log(`Live: ${order.orderId}`);
  got.live.push(order.orderId);
  check();
});

// dtpyfw's persist_consume(count=100, block_time=1.0, rest_time=0.0); the times are in ms here.
const runs = [backfill, live].map((s) => s.persistConsume({ count: 100, blockMs: 1000, restMs: 0 }));
await publisher.sendMessage(orders, { name: 'order.created', body: { orderId: 'o-6' } });
await done;
console.log(`backfill-service got ${got.backfill.length} orders: ${got.backfill.join(', ')}`);
console.log(`live-service got ${got.live.length} order: ${got.live.join(', ')}`);

await Promise.all([backfill.close(), live.close(), publisher.close()]);
await Promise.all(runs);
await removeChannels(url, orders);

/** Deletes the channels and the keys the library keeps beside them (`{channel}:...`): Redis is left as it was. */
async function removeChannels(redisUrl: string, ...channels: string[]): Promise<void> {
  const redis = await createClient({ url: redisUrl }).connect();
  for (const channel of channels) await redis.del([channel, ...(await redis.keys(`{${channel}}:*`))]);
  await redis.close();
}

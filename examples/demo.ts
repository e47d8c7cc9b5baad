/**
 * The demo behind `npm run demo`: two services fan out on one channel (each gets every order), and
 * two instances of one of them share its load. Prints who handled what and the stats, then exits
 * by itself.
 *
 * Redis: REDIS_URL if set, else 127.0.0.1:6379 if it answers, else a private redis-server started
 * here (and stopped at the end).
 */
import { RedisStreamer, Message, type MessageContext } from '../src/index.js';
import { findOrStartRedis, MISSING_REDIS_SERVER, hasRedisServer } from '../test/support/redis-server.js';

const ORDERS = 1000;

async function main(): Promise<void> {
  if (process.env['REDIS_URL'] === undefined && !hasRedisServer()) {
    const { ping } = await import('../test/support/redis-server.js');
    if (!(await ping(6379))) {
      console.error(MISSING_REDIS_SERVER);
      process.exitCode = 1;
      return;
    }
  }
  const redis = await findOrStartRedis();
  console.log(
    `Redis: ${redis.private ? 'a private redis-server at ' : ''}${redis.url.replace(/\/\/[^@]*@/, '//***@')}`,
  );
  const channel = `demo.orders.${process.pid}.${Date.now()}`;

  const handledBy = new Map<string, number>();
  const count = (who: string): void => void handledBy.set(who, (handledBy.get(who) ?? 0) + 1);

  // Service "billing": two instances share the orders (one consumer group).
  // Service "shipping": one instance gets every order too (its own group): fan-out.
  const instances: Array<{ label: string; streamer: RedisStreamer }> = [
    { label: 'billing #1', streamer: new RedisStreamer(redis.url, 'billing') },
    { label: 'billing #2', streamer: new RedisStreamer(redis.url, 'billing') },
    { label: 'shipping #1', streamer: new RedisStreamer(redis.url, 'shipping') },
  ];
  const runs: Promise<void>[] = [];
  for (const { label, streamer } of instances) {
    await streamer.subscribe(channel);
    streamer.registerHandler(
      channel,
      async (_name: string, _order: unknown, _ctx: MessageContext) => {
        count(label);
        await new Promise((r) => setImmediate(r)); // a little async work
      },
      { name: 'order.created' },
    );
    runs.push(streamer.persistConsume({ blockMs: 1000 }));
  }

  const publisher = new RedisStreamer(redis.url, 'storefront');
  const started = performance.now();
  for (let i = 0; i < ORDERS; i += 100) {
    await publisher.sendMessages(
      channel,
      Array.from(
        { length: 100 },
        (_, k) => new Message('order.created', { orderId: i + k, total: 10 + ((i + k) % 90) }),
      ),
    );
  }
  const total = (prefix: string): number =>
    [...handledBy].filter(([who]) => who.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0);
  const deadline = Date.now() + 30_000;
  while ((total('billing') < ORDERS || total('shipping') < ORDERS) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - started) / 1000;

  console.log(`\nPublished ${ORDERS} orders to "${channel}".`);
  console.log('Handled by:');
  for (const [who, n] of [...handledBy].sort()) console.log(`  ${who.padEnd(12)} ${String(n).padStart(5)}`);
  console.log(
    `  billing total ${total('billing')} (shared by 2 instances), shipping total ${total('shipping')} (fan-out)`,
  );
  console.log(`  ${((2 * ORDERS) / seconds).toFixed(0)} deliveries/s end to end\n`);

  const stats = await instances[0]!.streamer.getStats();
  const c = stats.perChannel[channel];
  console.log('Stats of billing #1:');
  console.log(
    JSON.stringify(
      {
        listenerName: stats.listenerName,
        consumerInstance: stats.consumerInstance,
        subscriptions: stats.subscriptions,
        delivery: stats.delivery,
        dedupGuard: stats.dedupGuard,
        delivered: stats.delivered,
        handled: stats.handled,
        failed: stats.failed,
        deduplicated: stats.deduplicated,
        deadLettered: stats.deadLettered,
        group: c?.redis,
      },
      null,
      2,
    ),
  );

  await Promise.all([...instances.map((i) => i.streamer.cleanup()), publisher.cleanup()]);
  await Promise.all(runs);
  if (!redis.private) {
    // Leave a shared Redis as it was.
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    const keys = await client.keys(`{${channel}}:*`); // the dedup guards and dead letters of this channel
    await client.del(channel, ...keys);
    client.disconnect();
  }
  await redis.stop();
  const ok = total('billing') === ORDERS && total('shipping') === ORDERS;
  console.log(ok ? '\nDemo OK: every order reached both services exactly once.' : '\nDemo FAILED: counts differ.');
  if (!ok) process.exitCode = 1;
}

await main();

/**
 * The demo behind `npm run demo`: two services fan out on one channel (each gets every order), and
 * two instances of one of them share its load. Prints who handled what and the stats, then exits
 * by itself.
 *
 * Redis: REDIS_URL if it answers, else 127.0.0.1:6379 if it answers, else a private redis-server
 * started here (and stopped at the end). With neither a Redis nor redis-server, the demo runs on
 * the test kit's in-memory bus (redis-streamer/testing) on the real clock, and says so first.
 */
import { RedisStreamer, Message, type MessageContext, type Transport } from 'redis-streamer';
import { createTestBus } from 'redis-streamer/testing';
import { hasRedisServer, ping, startRedis } from './support/local-redis.js';

const ORDERS = 1000;

/** Where the demo runs: a Redis (shared or private), or the in-memory bus. */
interface Target {
  readonly source: string | Transport;
  /** Its first line of output. */
  readonly banner: string;
  /** A Redis other programs use: the demo removes its keys afterwards. */
  readonly shared: boolean;
  readonly stop: () => Promise<void>;
}

/** Whether a Redis answers at `url` (a plain TCP PING; a rediss:// URL is trusted as given). */
async function answers(url: string): Promise<boolean> {
  try {
    const { protocol, hostname, port } = new URL(url);
    if (protocol === 'rediss:') return true;
    return await ping(Number(port || 6379), hostname.replace(/^\[|\]$/g, '') || '127.0.0.1');
  } catch {
    return false;
  }
}

async function chooseRedis(): Promise<Target> {
  const fromEnv = process.env['REDIS_URL'];
  const url = fromEnv === undefined || fromEnv === '' ? 'redis://127.0.0.1:6379' : fromEnv;
  const masked = url.replace(/\/\/[^@]*@/, '//***@');
  if (await answers(url)) return { source: url, banner: `Redis: ${masked}`, shared: true, stop: async () => {} };
  if (hasRedisServer()) {
    const server = await startRedis();
    return {
      source: server.url,
      banner: `no Redis answers at ${masked}: Redis is a private redis-server at ${server.url}`,
      shared: false,
      stop: () => server.stop(),
    };
  }
  const bus = createTestBus({ time: 'system' });
  return {
    source: bus.transport,
    banner: `no Redis found at ${masked}: running on the in-memory bus; install redis-server or set REDIS_URL to see it on Redis`,
    shared: false,
    stop: () => bus.close(),
  };
}

async function main(): Promise<void> {
  const redis = await chooseRedis();
  console.log(redis.banner);
  const channel = `demo.orders.${process.pid}.${Date.now()}`;

  const handledBy = new Map<string, number>();
  const count = (who: string): void => void handledBy.set(who, (handledBy.get(who) ?? 0) + 1);

  // Service "billing": two instances share the orders (one consumer group).
  // Service "shipping": one instance gets every order too (its own group): fan-out.
  const instances: Array<{ label: string; streamer: RedisStreamer }> = [
    { label: 'billing #1', streamer: new RedisStreamer(redis.source, 'billing') },
    { label: 'billing #2', streamer: new RedisStreamer(redis.source, 'billing') },
    { label: 'shipping #1', streamer: new RedisStreamer(redis.source, 'shipping') },
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

  const publisher = new RedisStreamer(redis.source, 'storefront');
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
        service: stats.service,
        consumer: stats.consumer,
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
  if (redis.shared && typeof redis.source === 'string') {
    // Leave a shared Redis as it was.
    const { createClient } = await import('redis');
    const client = await createClient({ url: redis.source }).connect();
    const keys = await client.keys(`{${channel}}:*`); // the dedup guards and dead letters of this channel
    await client.del([channel, ...keys]);
    await client.close();
  }
  await redis.stop();
  const ok = total('billing') === ORDERS && total('shipping') === ORDERS;
  console.log(ok ? '\nDemo OK: every order reached both services exactly once.' : '\nDemo FAILED: counts differ.');
  if (!ok) process.exitCode = 1;
}

await main();

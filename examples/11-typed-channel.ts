/**
 * Example 11: a typed channel (`defineChannel`) with a Standard Schema validator, here Zod.
 *
 * A contract names a channel's events and gives each a schema (any Standard Schema library: Zod,
 * Valibot, ArkType...). With it, `sendMessage` and `registerHandler` are typed by event name, a
 * message is validated before it is published (an invalid one is an InvalidMessageError listing
 * the issues, and nothing is sent), and an entry read from the stream that fails its schema (from
 * a publisher without the contract, a dtpyfw service, a raw XADD) is dead-lettered with reason
 * `schema` while the consumer goes on. Handlers get the schema's output (transforms applied).
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/11-typed-channel.ts
 */
import { createClient } from 'redis';
import { defineChannel, InvalidMessageError, RedisStreamer, silentLogger } from 'redis-streamer';
import { z } from 'zod';

const url = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';

// Shared by the services, e.g. in a contracts package. The name is unique to this run here.
const orders = defineChannel(`example.orders.${process.pid}`, {
  'order.created': z.object({
    orderId: z.string(),
    email: z.email().transform((e) => e.toLowerCase()),
    total: z.number().positive(),
  }),
  'order.cancelled': z.object({ orderId: z.string(), reason: z.enum(['customer', 'fraud', 'stock']) }),
});

const billing = new RedisStreamer(url, 'billing', { logger: silentLogger }); // the event below reports
let settled = 0;
let finish = (): void => {};
const done = new Promise<void>((resolve) => (finish = resolve));
const settle = (): void => void (++settled === 3 && finish());
billing.on('error', (err, where) => console.error(`error (${where.phase}): ${err.message}`)); // the logger is silent
billing.on('deadLetter', (dead) => {
  console.log(`billing dead-lettered an entry: reason ${dead.reason} (${dead.error})`);
  settle();
});
await billing.subscribe(orders);
// `order` is typed { orderId: string; email: string; total: number }: the schema's output.
billing.registerHandler(
  orders,
  (_name, order) => {
    console.log(`billing got order.created ${JSON.stringify(order)}`);
    settle();
  },
  { name: 'order.created' },
);
billing.registerHandler(
  orders,
  (_name, cancel) => {
    console.log(`billing got order.cancelled ${cancel.orderId} (${cancel.reason})`);
    settle();
  },
  { name: 'order.cancelled' },
);
const consuming = billing.persistConsume({ blockMs: 1000 });

const shop = new RedisStreamer(url, 'shop');
await shop.sendMessage(orders, {
  name: 'order.created',
  body: { orderId: 'o-1', email: 'Ada@Example.com', total: 42 },
});
await shop.sendMessage(orders, { name: 'order.cancelled', body: { orderId: 'o-1', reason: 'customer' } });
try {
  // The compiler refuses this body too; the cast stands for data that escaped the type checker.
  await shop.sendMessage(orders, { name: 'order.created', body: { orderId: 7, total: -1 } } as never);
} catch (err) {
  if (!(err instanceof InvalidMessageError)) throw err;
  console.log(`shop: refused before sending: ${err.issues.map((i) => i.path).join(', ')} invalid`);
}

// A service without the contract writes to the channel by name: nothing checks its message there.
const legacy = new RedisStreamer(url, 'legacy');
await legacy.sendMessage(orders.name, { name: 'order.created', body: { orderId: 'o-2' } });
await done;

await Promise.all([billing.close(), shop.close(), legacy.close()]);
await consuming;
await removeChannels(url, orders.name);

/** Deletes the channels and the keys the library keeps beside them (`{channel}:...`): Redis is left as it was. */
async function removeChannels(redisUrl: string, ...channels: string[]): Promise<void> {
  const redis = await createClient({ url: redisUrl }).connect();
  for (const channel of channels) await redis.del([channel, ...(await redis.keys(`{${channel}}:*`))]);
  await redis.close();
}

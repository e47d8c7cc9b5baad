/**
 * The NestJS example: two Nest microservices on the redis-streamer transport, billing and shipping,
 * in one process for the demonstration (in production each runs in its own, as many instances as
 * needed: they share their service's events). Orders are published through a RedisStreamerClient;
 * both services get every order event, billing publishes payments, shipping ships. Then everything
 * is closed and the process exits by itself.
 *
 *   npm run build && npx tsx examples/nestjs/main.ts
 *
 * Redis: REDIS_URL if set, else 127.0.0.1:6379 if it answers, else a private redis-server.
 */
import 'reflect-metadata';
import { lastValueFrom } from 'rxjs';
import { RedisStreamerClient, streamEvent } from 'redis-streamer/nestjs';
import { findOrStartRedis } from '../support/local-redis.js';
import { startBilling } from './billing.js';
import { orders } from './contracts.js';
import { shipped, startShipping } from './shipping.js';

const redis = await findOrStartRedis();
const billing = await startBilling(redis.url);
const shipping = await startShipping(redis.url);

const client = new RedisStreamerClient({ redis: redis.url });
const placed = ['A-1001', 'A-1002', 'A-1003'];
for (const [i, orderId] of placed.entries()) {
  const id = await lastValueFrom(
    client.emit(streamEvent(orders, 'order.created'), { orderId, customer: `customer-${i}`, total: 20 + i }),
  );
  console.log(`main: order ${orderId} published as entry ${id}`);
}
await lastValueFrom(client.emit(streamEvent(orders, 'order.cancelled'), { orderId: 'A-0999', reason: 'changed mind' }));

const deadline = Date.now() + 10_000;
while (!placed.every((o) => shipped.includes(o)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
console.log(`main: shipped ${shipped.length} of ${placed.length} orders`);

await client.close();
await billing.close();
await shipping.close();
await redis.stop();
if (shipped.length !== placed.length) process.exitCode = 1;

/**
 * Example 7: several handlers on one channel (dtpyfw's "Multi-Handler Pattern").
 *
 * Handlers of a channel run one after another, in registration order, on every message: here a
 * logger, a metrics collector, the business logic and an audit trail. A handler registered with `{ name }` only
 * gets that event. A handler that throws does not stop the others; the failure is reported (in the
 * default at-most-once mode the message is dead-lettered, with the failing handler's name).
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/07-several-handlers.ts
 */
import { createClient } from 'redis';
import { RedisStreamer, silentLogger } from 'redis-streamer';

const url = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
const orders = `example.orders.${process.pid}`; // a channel of this run only

function logger(name: string, payload: unknown): void {
  console.log(`[LOG] ${name}: ${JSON.stringify(payload)}`);
}

const recorded = new Map<string, number>();
function metricsCollector(name: string): void {
  recorded.set(name, (recorded.get(name) ?? 0) + 1);
  console.log(`[METRICS] Recorded event: ${name}`);
}

function businessLogic(name: string, order: { orderId: string }): void {
  if (order.orderId === 'o-3') throw new Error('inventory service unavailable');
  console.log(`[PROCESS] Handling: ${name} ${order.orderId}`);
}

function auditTrail(name: string, order: { orderId: string }): void {
  console.log(`[AUDIT] ${name} ${order.orderId}`);
}

let finish = (): void => {};
const done = new Promise<void>((resolve) => (finish = resolve));
function notifyCancellation(_name: string, order: { orderId: string }): void {
  console.log(`[NOTIFY] ${order.orderId} was cancelled`);
}

const streamer = new RedisStreamer(url, 'multi-handler', { logger: silentLogger }); // the event below reports failures
streamer.on('error', (err, where) => console.error(`error (${where.phase}): ${err.message}`)); // the logger is silent
streamer.on('deadLetter', (dead) => {
  console.log(`[DEAD LETTER] ${dead.reason}: ${dead.error}`);
  finish(); // o-3, the last message
});
await streamer.subscribe(orders);
streamer.registerHandler(orders, logger);
streamer.registerHandler(orders, metricsCollector);
streamer.registerHandler(orders, businessLogic);
streamer.registerHandler(orders, auditTrail); // runs even when businessLogic threw
streamer.registerHandler(orders, notifyCancellation, { name: 'order.cancelled' });
const consuming = streamer.persistConsume({ blockMs: 1000 });

const publisher = new RedisStreamer(url, 'publisher');
await publisher.sendMessages(orders, [
  { name: 'order.created', body: { orderId: 'o-1' } },
  { name: 'order.cancelled', body: { orderId: 'o-2' } },
  { name: 'order.created', body: { orderId: 'o-3' } },
]);
await done;
console.log(`[METRICS] totals ${JSON.stringify(Object.fromEntries(recorded))}`);

await Promise.all([streamer.close(), publisher.close()]);
await consuming;
await removeChannels(url, orders);

/** Deletes the channels and the keys the library keeps beside them (`{channel}:...`): Redis is left as it was. */
async function removeChannels(redisUrl: string, ...channels: string[]): Promise<void> {
  const redis = await createClient({ url: redisUrl }).connect();
  for (const channel of channels) await redis.del([channel, ...(await redis.keys(`{${channel}}:*`))]);
  await redis.close();
}

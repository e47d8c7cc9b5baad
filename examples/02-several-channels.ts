/**
 * Example 2: one service, several channels, a handler per channel (dtpyfw's "Multiple Channels
 * with Different Handlers").
 *
 * `multi-service` subscribes to orders, payments and notifications. Each channel is consumed on its
 * own connection, so a slow channel does not hold the others back. A handler can branch on the
 * event name, or be registered for one event name only (`{ name: 'payment.failed' }`).
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/02-several-channels.ts
 */
import { createClient } from 'redis';
import { RedisStreamer } from 'redis-streamer';

const url = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
const run = process.pid; // channels of this run only
const orders = `example.orders.${run}`;
const payments = `example.payments.${run}`;
const notifications = `example.notifications.${run}`;
const EXPECTED = 6; // handler calls the messages below make

let calls = 0;
let allHandled = (): void => {};
const done = new Promise<void>((resolve) => (allHandled = resolve));
const handled = (line: string): void => {
  console.log(line);
  if (++calls === EXPECTED) allHandled();
};

function handleOrder(name: string, order: { orderId: string }): void {
  if (name === 'order.created') handled(`New order: ${order.orderId}`);
  else if (name === 'order.updated') handled(`Updated order: ${order.orderId}`);
}

function handlePayment(name: string, payment: { paymentId: string }): void {
  handled(`Payment event ${name}: ${payment.paymentId}`);
}

function alertOnFailedPayment(_name: string, payment: { paymentId: string }): void {
  handled(`ALERT: payment ${payment.paymentId} failed`);
}

function handleNotification(_name: string, notification: { type: string }): void {
  handled(`Sending notification: ${notification.type}`);
}

const service = new RedisStreamer(url, 'multi-service');
await service.subscribe(orders);
await service.subscribe(payments);
await service.subscribe(notifications);
service.registerHandler(orders, handleOrder);
service.registerHandler(payments, handlePayment);
service.registerHandler(payments, alertOnFailedPayment, { name: 'payment.failed' }); // this event only
service.registerHandler(notifications, handleNotification);
const consuming = service.persistConsume({ blockMs: 1000 });

const publisher = new RedisStreamer(url, 'publisher');
await publisher.sendMessage(orders, { name: 'order.created', body: { orderId: 'o-1' } });
await publisher.sendMessage(orders, { name: 'order.updated', body: { orderId: 'o-1' } });
await publisher.sendMessage(payments, { name: 'payment.succeeded', body: { paymentId: 'p-1' } });
await publisher.sendMessage(payments, { name: 'payment.failed', body: { paymentId: 'p-2' } });
await publisher.sendMessage(notifications, { name: 'notification.requested', body: { type: 'email' } });
await done;

await Promise.all([service.close(), publisher.close()]);
await consuming;
console.log(`multi-service handled ${calls} handler calls on 3 channels and closed`);
await removeChannels(url, orders, payments, notifications);

/** Deletes the channels and the keys the library keeps beside them (`{channel}:...`): Redis is left as it was. */
async function removeChannels(redisUrl: string, ...channels: string[]): Promise<void> {
  const redis = await createClient({ url: redisUrl }).connect();
  for (const channel of channels) await redis.del([channel, ...(await redis.keys(`{${channel}}:*`))]);
  await redis.close();
}

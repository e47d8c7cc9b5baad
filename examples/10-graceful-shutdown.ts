/**
 * Example 10: graceful shutdown on SIGTERM and SIGINT (dtpyfw's "Graceful Shutdown").
 *
 * On a signal the service stops reading, lets the handler in progress finish, acknowledges what
 * was handled, closes its connections and exits by itself: no order is cut off halfway. Aborting
 * the signal given to `persistConsume()` stops consuming; `close()` (dtpyfw's `cleanup()`) also
 * closes the streamer for good. The streamer waits up to `shutdownTimeoutMs` for running handlers.
 *
 * So that it ends by itself, this example sends itself SIGTERM while its third order is being
 * handled, as an orchestrator would. With RUN_FOREVER=1 it waits for Ctrl-C (SIGINT) instead.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/10-graceful-shutdown.ts
 */
import { createClient } from 'redis';
import { RedisStreamer } from 'redis-streamer';

const url = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
const orders = `example.orders.${process.pid}`; // a channel of this run only
const runForever = process.env['RUN_FOREVER'] === '1';
const ORDERS = 8;

class GracefulConsumer {
  readonly streamer = new RedisStreamer(url, 'graceful-service', { shutdownTimeoutMs: 10_000 });
  private readonly shutdown = new AbortController();
  private handled = 0;

  private async handleMessage(name: string, order: { orderId: string }): Promise<void> {
    console.log(`Processing: ${name} ${order.orderId}`);
    if (++this.handled === 3 && !runForever) process.kill(process.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 300)); // work that a shutdown must not cut off
    console.log(`Finished: ${order.orderId}`);
  }

  /** Subscribes, and turns SIGTERM and SIGINT into a shutdown. */
  async start(): Promise<void> {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        console.log(`Shutdown signal received (${signal})...`);
        this.shutdown.abort();
      });
    }
    await this.streamer.subscribe(orders);
    this.streamer.registerHandler(orders, (name: string, order: { orderId: string }) =>
      this.handleMessage(name, order),
    );
  }

  /** Consumes until a signal comes, then closes. */
  async run(): Promise<void> {
    // Resolves once the signal is aborted and the handler in progress has finished. Entries already
    // read are handled too (in the default at-most-once mode an entry handed out is never handed
    // out again); one per read (count) keeps that to one, and the rest waits for the next start.
    await this.streamer.persistConsume({ blockMs: 1000, count: 1, maxCount: 1, signal: this.shutdown.signal });
    await this.streamer.close();
    console.log(`Shutdown complete after ${this.handled} orders`);
  }
}

const consumer = new GracefulConsumer();
await consumer.start();
const running = consumer.run();
const publisher = new RedisStreamer(url, 'publisher');
for (let i = 1; i <= ORDERS; i++) {
  await publisher.sendMessage(orders, { name: 'order.created', body: { orderId: `o-${i}` } });
}
await running;
await publisher.close();

// The next instance of the service picks up where this one stopped.
const next = new RedisStreamer(url, 'graceful-service');
await next.subscribe(orders); // the group exists: it keeps its position
const lag = (await next.getStats()).perChannel[orders]?.redis?.lag;
console.log(`${lag} of ${ORDERS} orders wait in the group for the next start`);
await next.close();
await removeChannels(url, orders);

/** Deletes the channels and the keys the library keeps beside them (`{channel}:...`): Redis is left as it was. */
async function removeChannels(redisUrl: string, ...channels: string[]): Promise<void> {
  const redis = await createClient({ url: redisUrl }).connect();
  for (const channel of channels) await redis.del([channel, ...(await redis.keys(`{${channel}}:*`))]);
  await redis.close();
}

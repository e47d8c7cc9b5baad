/**
 * Fault test: a connection that hangs without closing (a dead peer, a broken middlebox). A TCP
 * proxy between the consumer and Redis stops forwarding on the consumer's existing connections;
 * the watchdog must notice within block time + grace, open a new connection and carry on.
 */
import assert from 'node:assert/strict';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RedisStreamer, silentLogger } from '../../src/index.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { waitUntilWaiting } from '../support/states.js';

const redis = useRedis();

/** A TCP proxy to Redis that can freeze the connections it carries so far. */
class FreezingProxy {
  private server: Server | undefined;
  private readonly pairs: Array<[Socket, Socket]> = [];
  port = 0;

  async start(target: number): Promise<void> {
    this.server = createServer((client) => {
      const upstream = createConnection({ port: target, host: '127.0.0.1' });
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      this.pairs.push([client, upstream]);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** Existing connections stay open but nothing passes any more, in either direction. */
  freeze(): void {
    for (const [client, upstream] of this.pairs.splice(0)) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
      frozen.push(client, upstream);
    }
  }

  async stop(): Promise<void> {
    for (const socket of frozen.splice(0)) socket.destroy();
    for (const [a, b] of this.pairs.splice(0)) {
      a.destroy();
      b.destroy();
    }
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
const frozen: Socket[] = [];

describe('a hung connection', () => {
  const proxy = new FreezingProxy();
  before(async () => proxy.start(Number(new URL(redis.url).port)));
  after(async () => proxy.stop());

  it('is replaced by the watchdog within block time + grace; nothing is lost (at-least-once)', async () => {
    const channel = uniqueChannel('hung');
    const blockMs = 500;
    const reconnects: string[] = [];
    // The consumer talks to Redis through the proxy; the publisher directly.
    const consumer = new RedisStreamer(`redis://127.0.0.1:${proxy.port}`, 'hung-svc', {
      logger: silentLogger,
      delivery: 'at-least-once',
    });
    const got: number[] = [];
    await consumer.subscribe(channel);
    consumer.on('reconnect', (e) => reconnects.push(e.connection));
    consumer.registerHandler(channel, (_n, p) => void got.push((p as { i: number }).i));
    const run = consumer.persistConsume({ blockMs });
    const publisher = redis.streamer('hung-pub');
    await publisher.sendMessage(channel, { name: 'n', body: { i: 0 } });
    await waitFor(() => got.length === 1, 'first message');
    await waitUntilWaiting(redis.client, 'hung-svc'); // the loop is now waiting on its connection
    proxy.freeze();
    const frozenAt = Date.now();
    // Redis hands this one to the frozen connection; its reply never arrives.
    await publisher.sendMessage(channel, { name: 'n', body: { i: 1 } });
    await waitFor(() => got.length === 2, 'the message sent after the freeze', 10_000);
    const recoveredMs = Date.now() - frozenAt;
    await publisher.sendMessage(channel, { name: 'n', body: { i: 2 } });
    await waitFor(() => got.length === 3, 'the next one');
    console.log(`[hung connection] ${JSON.stringify({ recoveredMs, reconnects })}`);
    assert.deepEqual(got, [0, 1, 2]);
    assert.ok(reconnects.includes(`channel:${channel}`), 'the replacement was reported');
    assert.ok(recoveredMs <= blockMs + 1000 + 1000, `recovered after ${recoveredMs} ms`);
    await consumer.cleanup();
    await run;
  });
});

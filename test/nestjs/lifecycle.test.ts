/**
 * The transport's and the client's life in a Nest application: status events and the `status`
 * observable across a Redis restart, the health check, `unwrap()`, the module's injection token
 * and shutdown, and what is refused with a clear error (send(), @MessagePattern, bad options).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ConfigError, RedisStreamer, ReplicationError, silentLogger } from '../../src/index.js';
import {
  OnStreamEvent,
  REDIS_STREAMER_CLIENT,
  RedisStreamerClient,
  RedisStreamerModule,
  RedisStreamerRecord,
  RedisStreamerTransport,
  type RedisStreamerStatus,
} from '../../src/nestjs/index.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { RecordingLogger, startService } from './nest-apps.js';

const redis = useRedis();

@Controller()
class Quiet {
  @OnStreamEvent('order.created')
  created(_order: unknown): void {}
}

describe('NestJS transport: status and health', () => {
  let server: RedisServer;
  before(async () => (server = await startRedis()));
  after(async () => server.stop());

  it('connected after listen, reconnecting while Redis is down, connected again, disconnected after close', async () => {
    const channel = uniqueChannel('nest-status');
    const { app, transport } = await startService({
      url: server.url,
      service: 'status',
      channels: [channel],
      controllers: [Quiet],
    });
    const statuses: RedisStreamerStatus[] = [];
    transport.status.subscribe((s) => statuses.push(s));
    const events: string[] = [];
    transport.on('connected', () => events.push('connected'));
    transport.on('reconnecting', () => events.push('reconnecting'));
    transport.on('disconnected', () => events.push('disconnected'));
    assert.deepEqual(statuses, ['connected'], 'the status observable replays the current status');
    const healthy = await transport.health();
    assert.equal(healthy.healthy, true, healthy.problems.join('; '));
    assert.ok(healthy.connections.length > 0 && healthy.connections.every((c) => c.state === 'ready'));
    assert.ok(transport.unwrap() instanceof RedisStreamer);

    await server.kill();
    await waitFor(() => statuses.at(-1) === 'reconnecting', 'reconnecting');
    const sick = await transport.health();
    assert.equal(sick.healthy, false);
    assert.ok(
      sick.problems.some((p) => /is (reconnecting|connecting)/.test(p)),
      sick.problems.join('; '),
    );

    await server.restart();
    await waitFor(() => statuses.at(-1) === 'connected', 'connected again', 15_000);
    await app.close();
    assert.deepEqual(statuses, ['connected', 'reconnecting', 'connected', 'disconnected']);
    assert.equal(events.filter((e) => e !== 'reconnecting').join(','), 'connected,disconnected');
    assert.ok(events.includes('reconnecting'));
    assert.deepEqual((await transport.health()).connections, [], 'every connection closed');
  });
});

describe('NestJS transport: what it refuses, and says so', () => {
  it('send() fails with a ConfigError: request/response is not part of an event bus', async () => {
    const client = new RedisStreamerClient({ redis: redis.url, channel: 'orders', logger: silentLogger });
    await assert.rejects(
      lastValueFrom(client.send('sum', [1, 2])),
      (err) => err instanceof ConfigError && /request\/response/.test(err.message) && /emit\(\)/.test(err.message),
    );
    await client.close();
  });

  it('warns at start of a @MessagePattern handler, of a pattern of a channel not consumed, and of a channel no pattern takes', async () => {
    const logger = new RecordingLogger();
    const consumed = uniqueChannel('nest-warn');
    const silent = uniqueChannel('nest-silent');
    @Controller()
    class Mixed {
      @MessagePattern('sum')
      sum(): number {
        return 3;
      }

      @OnStreamEvent({ channel: consumed, event: 'order.created' })
      created(_order: unknown): void {}

      @OnStreamEvent({ channel: 'elsewhere', event: 'order.created' })
      elsewhere(_order: unknown): void {}
    }
    await startService({
      url: redis.url,
      service: 'warned',
      channels: [consumed, silent],
      controllers: [Mixed],
      logger,
    });
    const warnings = logger.lines.filter((l) => l.startsWith('warn '));
    assert.ok(
      warnings.some((w) => /@MessagePattern\(sum\) is not served/.test(w)),
      warnings.join('\n'),
    );
    assert.ok(
      warnings.some((w) => /does not consume channel "elsewhere"/.test(w)),
      warnings.join('\n'),
    );
    assert.ok(
      warnings.some((w) => w.includes(`channel "${silent}" is consumed but no @EventPattern takes its events`)),
    );
    assert.ok(!warnings.some((w) => w.includes(`channel "${consumed}" is consumed but`)));
  });

  it("unhandledEvents: 'dead-letter' dead-letters an event no pattern takes; the default settles it", async () => {
    const channel = uniqueChannel('nest-unhandled');
    await startService({
      url: redis.url,
      service: 'strict',
      channels: [channel],
      controllers: [Quiet],
      options: { unhandledEvents: 'dead-letter' },
    });
    await startService({ url: redis.url, service: 'lenient', channels: [channel], controllers: [Quiet] });
    await redis.streamer('pub').sendMessage(channel, { name: 'order.shipped', body: {} });
    const letters = redis.streamer('dlq').deadLetters(channel);
    await waitFor(async () => (await letters.list()).length === 1, 'a dead letter from the strict service');
    const [letter] = await letters.list();
    assert.equal(letter?.group, `${channel}:strict:cg`);
    assert.match(letter?.error ?? '', /no @EventPattern handler takes event "order.shipped"/);
    await waitFor(
      async () => Number(((await redis.client.xpending(channel, `${channel}:lenient:cg`)) as [number])[0]) === 0,
      'the lenient service settled it',
    );
    assert.equal((await letters.list()).length, 1);
  });

  it('consume options persistConsume() refuses make app.listen() reject with its ConfigError', async () => {
    for (const consume of [{ blockMs: 'x' as never }, { bogus: 1 } as never]) {
      const channel = uniqueChannel('nest-bad-consume');
      const listening = startService({
        url: redis.url,
        service: 'bad-consume',
        channels: [channel],
        controllers: [Quiet],
        options: { consume },
      });
      await assert.rejects(
        listening,
        (err: unknown) => err instanceof ConfigError && /persistConsume\(\): .*(blockMs|bogus)/.test(err.message),
      );
    }
  });

  it('bad options are ConfigErrors naming the transport or the client and the option', () => {
    const base = { redis: redis.url, service: 's' };
    assert.throws(
      () => new RedisStreamerTransport({ ...base, channels: [] }),
      /new RedisStreamerTransport\(\): option `channels`/,
    );
    assert.throws(
      () => new RedisStreamerTransport({ ...base, channels: [{ chanel: 'x' } as never] }),
      /channels\[0\] must be a channel name/,
    );
    assert.throws(
      () => new RedisStreamerTransport({ ...base, channels: ['x'], maxAttempts: 0 }),
      (err) =>
        err instanceof ConfigError &&
        /^new RedisStreamerTransport\(\)/.test(err.message) &&
        /maxAttempts/.test(err.message),
    );
    assert.throws(
      () => new RedisStreamerTransport({ redis: redis.url, channels: ['x'] } as never),
      /new RedisStreamerTransport\(\): option `service` must be a non-empty string; got undefined$/,
    );
    assert.throws(
      () => new RedisStreamerTransport({ ...base, redis: undefined as never, channels: ['x'] }),
      /new RedisStreamerTransport\(\): option `redis` must be/,
    );
    assert.throws(
      () => new RedisStreamerClient({ redis: redis.url, delivery: 'at-least-once' } as never),
      /new RedisStreamerClient\(\): unknown option `delivery`/,
    );
    const client = new RedisStreamerClient({ redis: redis.url, logger: silentLogger });
    assert.throws(() => client.emit('order.created', {}), /no default `channel`/);
    assert.throws(() => client.emit({ channel: 'orders' }, {}), /\{ channel, event \}/);
    assert.throws(() => OnStreamEvent({ channel: 'orders', topic: 'x' } as never), ConfigError);
  });

  it("emit's Observable errors with the library's error: replicas asked of a server that has none", async () => {
    const channel = uniqueChannel('nest-replicas');
    const client = new RedisStreamerClient({ redis: redis.url, channel, logger: silentLogger });
    const record = new RedisStreamerRecord({ orderId: 'R1' }, { replicas: 1, timeoutMs: 50 });
    const err: unknown = await lastValueFrom(client.emit('order.created', record)).catch((e: unknown) => e);
    assert.ok(err instanceof ReplicationError, `got ${String(err)}`);
    assert.equal(err.acknowledgedBy, 0);
    assert.deepEqual(
      (await redis.client.xrange(channel, '-', '+')).map(([id]) => id),
      err.ids,
      'appended on the primary, as the error says',
    );
    await client.close();
  });

  it('an emit that fails with nothing subscribed to it is logged, not lost in silence', async () => {
    const logger = new RecordingLogger();
    // Nest's Logger writes to the application's logger; this context has one of its own.
    const app = await NestFactory.createApplicationContext(class Empty {}, { logger });
    const client = new RedisStreamerClient({
      redis: redis.url,
      channel: uniqueChannel('nest-big'),
      maxMessageBytes: 64,
      logger: silentLogger,
    });
    client.emit('order.created', { text: 'x'.repeat(100) }); // too large: rejected
    const logged = (): string | undefined =>
      logger.lines.find((l) => /^error emit\("order.created"\) failed and nothing subscribed/.test(l));
    await waitFor(() => logged() !== undefined, 'the failure logged');
    assert.match(logged() ?? '', /MessageTooLarge|too large|maxMessageBytes/i, 'the line says why it failed');
    await client.close();
    await app.close();
  });
});

describe('RedisStreamerModule', () => {
  @Injectable()
  class Orders {
    constructor(@Inject(REDIS_STREAMER_CLIENT) readonly events: RedisStreamerClient) {}
  }

  for (const kind of ['forRoot', 'forRootAsync'] as const) {
    it(`${kind} registers a client under its token; it publishes, and is closed at shutdown`, async () => {
      const channel = uniqueChannel(`nest-module-${kind}`);
      const options = { redis: redis.url, channel, logger: silentLogger };
      const imported =
        kind === 'forRoot'
          ? RedisStreamerModule.forRoot(options)
          : RedisStreamerModule.forRootAsync({ useFactory: async () => Promise.resolve(options) });
      class AppModule {}
      Module({ imports: [imported], providers: [Orders] })(AppModule);
      const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
      const orders = app.get(Orders);
      assert.ok(orders.events instanceof RedisStreamerClient);
      const id = await lastValueFrom(orders.events.emit('order.created', { orderId: 'M1' }));
      const entries = await redis.client.xrange(channel, '-', '+');
      assert.deepEqual(
        entries.map(([entryId]) => entryId),
        [id],
      );
      const streamer = orders.events.unwrap<RedisStreamer>();
      assert.ok((await streamer.getStats()).connections.length > 0);
      await app.close();
      assert.deepEqual((await streamer.getStats()).connections, [], 'closed at shutdown');
    });
  }
});

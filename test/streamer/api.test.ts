/**
 * The public API's contract: subscribe idempotence and creation races, the accepted Redis sources,
 * publishing and its validation, stats, and errors that are reported instead of thrown.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import {
  ConfigError,
  ConnectionError,
  InvalidMessageError,
  Message,
  MessageTooLargeError,
  PublishError,
  RedisInstance,
  RedisStreamer,
  silentLogger,
} from '../../src/index.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { recordingLogger } from '../support/recording-logger.js';
import { freePort } from '../support/redis-server.js';

const redis = useRedis();

describe('subscribe', () => {
  it('does nothing the second time, and tolerates a racing instance (BUSYGROUP)', async () => {
    const channel = uniqueChannel('idem');
    const a = redis.streamer('idem-svc');
    const b = redis.streamer('idem-svc');
    await Promise.all([a.subscribe(channel), b.subscribe(channel), a.subscribe(channel)]);
    await a.subscribe(channel);
    const groups = (await redis.client.xinfo('GROUPS', channel)) as string[][];
    assert.equal(groups.length, 1);
    assert.equal(groups[0]![1], `${channel}:idem-svc:cg`);
    const stats = await a.getStats();
    assert.equal(stats.subscriptions, 1);
    assert.deepEqual(stats.channels, [channel]);
  });

  it('returns the streamer for chaining', async () => {
    const s = redis.streamer('chain');
    const c1 = uniqueChannel('c1');
    const c2 = uniqueChannel('c2');
    const same = await (await s.subscribe(c1)).subscribe(c2);
    assert.equal(same, s);
    assert.equal(
      s.registerHandler(c1, () => {}),
      s,
    );
    assert.equal(s.registerChannel(c1), s);
  });
});

describe('Redis sources', () => {
  it('accepts a RedisInstance, a URL and an ioredis client (never closing the latter)', async () => {
    const channel = uniqueChannel('sources');
    const port = Number(new URL(redis.url).port);
    const userClient = new Redis(redis.url);
    const sources = [new RedisInstance({ host: '127.0.0.1', port }), redis.url, userClient];
    for (const source of sources) {
      const s = new RedisStreamer(source, 'sources', { logger: silentLogger });
      const id = await s.sendMessage(channel, { name: 'n', body: {} });
      assert.match(id, /^\d+-\d+$/);
      await s.cleanup();
    }
    assert.equal(await userClient.ping(), 'PONG', "the user's client is still usable");
    userClient.disconnect();
    assert.equal(await redis.client.xlen(channel), 3);
  });

  it("refuses a template client's key prefix with a ConfigError that says why", () => {
    const template = new Redis(redis.url, { keyPrefix: 'app:', lazyConnect: true });
    assert.throws(
      () => new RedisStreamer(template, 'template-svc', { logger: silentLogger }),
      (err: unknown) => err instanceof ConfigError && /keyPrefix "app:"/.test(err.message),
    );
    template.disconnect();
  });

  it("ignores a template client's disabled offline queue", async () => {
    const channel = uniqueChannel('template');
    const template = new Redis(redis.url, { enableOfflineQueue: false, lazyConnect: true });
    const s = new RedisStreamer(template, 'template-svc', { logger: silentLogger });
    await s.subscribe(channel);
    await s.sendMessage(channel, { name: 'n', body: 1 });
    assert.equal(await redis.client.xlen(channel), 1);
    await s.cleanup();
    template.disconnect();
  });

  it('rejects anything else with a clear error', () => {
    assert.throws(() => new RedisStreamer(42 as unknown as string, 'x'), ConfigError);
    assert.throws(() => new RedisStreamer(42 as unknown as string, 'x'), /a Transport; got 42$/);
    // `new RedisStreamer(process.env.REDIS_URL, ...)` with the variable unset
    assert.throws(
      () => new RedisStreamer(undefined as unknown as string, 'x'),
      /got undefined \(an environment variable that is not set\?\)/,
    );
    assert.throws(() => new RedisStreamer('http://nope', 'x'), /redis:\/\/ or rediss:\/\//);
    assert.throws(
      () => new RedisStreamer(redis.url, ''),
      /new RedisStreamer\(\): the service name \(second argument\) must be a non-empty string/,
    );
    assert.throws(() => new RedisStreamer(redis.url, '注文サービス'), /needs a letter or a digit/);
    assert.throws(() => new RedisStreamer(redis.url, 'x', { delivery: 'sometimes' as 'at-most-once' }), /delivery/);
  });
});

describe('publishing', () => {
  it('sendMessage returns the id; sendMessages publishes in order and returns every id', async () => {
    const channel = uniqueChannel('publish');
    const s = redis.streamer('pub');
    const one = await s.sendMessage(channel, new Message('a', { n: 1 }));
    const many = await s.sendMessages(channel, [new Message('b', 2), { name: 'c', body: [3] }]);
    const entries = await redis.client.xrange(channel, '-', '+');
    assert.deepEqual(
      entries.map(([id, f]) => [id, f[1], f[3]]),
      [
        [one, 'a', '{"n":1}'],
        [many[0], 'b', '2'],
        [many[1], 'c', '[3]'],
      ],
    );
    assert.equal((await s.getStats()).published, 3);
  });

  it('rejects bad messages before sending anything', async () => {
    const channel = uniqueChannel('bad-publish');
    const s = redis.streamer('bad-pub', { maxMessageBytes: 100 });
    await assert.rejects(s.sendMessage(channel, { name: 7 as unknown as string, body: {} }), InvalidMessageError);
    // The body given where the message goes: the message is what is wrong, not its name.
    await assert.rejects(
      s.sendMessage(channel, new Map([['orderId', 1]]) as unknown as Message),
      (err: Error) =>
        err instanceof InvalidMessageError &&
        err.message ===
          'sendMessage(): the message (second argument) must be a Message or an object { name, body }; got a Map with no `name`',
    );
    await assert.rejects(s.sendMessage(channel, { name: 'n', body: undefined }), InvalidMessageError);
    await assert.rejects(s.sendMessage(channel, { name: 'n', body: { big: 1n } }), InvalidMessageError);
    await assert.rejects(s.sendMessage(channel, { name: 'n', body: 'x'.repeat(200) }), MessageTooLargeError);
    await assert.rejects(
      s.sendMessages(channel, [
        { name: 'ok', body: 1 },
        { name: 'n', body: () => 1 },
      ]),
      InvalidMessageError,
    );
    await assert.rejects(s.sendMessage('', { name: 'n', body: 1 }), ConfigError);
    assert.equal(await redis.client.exists(channel), 0, 'nothing was published');
  });

  it('rejects with a PublishError, never a silent retry, when Redis cannot be reached', async () => {
    const port = await freePort();
    const s = new RedisStreamer(`redis://127.0.0.1:${port}`, 'unreachable', { logger: silentLogger });
    const err = await s.sendMessage('x', { name: 'n', body: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof PublishError, `got ${String(err)}`);
    assert.equal(err.code, 'ERR_PUBLISH');
    assert.equal(err.inDoubt, false, 'the command never reached a socket');
    assert.match(err.message, new RegExp(`cannot reach Redis at 127.0.0.1:${port}.*nothing was appended`));
    assert.ok(err.cause instanceof ConnectionError, 'the cause is the library ConnectionError');
    await s.cleanup();
  });

  it('lets the onPublish hook add stream fields', async () => {
    const channel = uniqueChannel('hook');
    const s = redis.streamer('hooked', {
      hooks: { onPublish: (e) => void (e.fields['traceparent'] = `00-${e.channel}-01`) },
    });
    await s.sendMessage(channel, { name: 'n', body: 1 });
    const [[, fields]] = (await redis.client.xrange(channel, '-', '+')) as [[string, string[]]];
    assert.deepEqual(fields, ['name', 'n', 'body', '1', 'traceparent', `00-${channel}-01`]);
  });
});

describe('persistConsume', () => {
  it('starts nothing with an already-aborted signal, and can run later', async () => {
    const channel = uniqueChannel('aborted');
    const s = redis.streamer('aborted-svc');
    await s.subscribe(channel);
    const got: string[] = [];
    s.registerHandler(channel, (name) => void got.push(name));
    await s.persistConsume({ signal: AbortSignal.abort() });
    assert.equal((await s.getStats()).consuming, false);
    void s.persistConsume({ blockMs: 300 });
    await redis.streamer('pub').sendMessage(channel, { name: 'later', body: {} });
    await waitFor(() => got.length === 1, 'handled by the later run');
  });

  it('refuses a staleGroupMs that live groups could exceed (a rejection, never a synchronous throw)', async () => {
    const s = redis.streamer('stale-check', { staleGroupMs: 5000 });
    let result: Promise<void> | undefined;
    assert.doesNotThrow(() => (result = s.persistConsume({ blockMs: 5000 })));
    await assert.rejects(result!, (err: unknown) => err instanceof ConfigError && /staleGroupMs/.test(err.message));
  });

  it('rejects a second persistConsume with other options, and returns the running one for the same', async () => {
    const s = redis.streamer('second-run');
    await s.subscribe(uniqueChannel('second'));
    const first = s.persistConsume({ blockMs: 1000 });
    assert.equal(s.persistConsume({ blockMs: 1000 }), first);
    await assert.rejects(s.persistConsume({ blockMs: 2000 }), (err: unknown) => err instanceof ConfigError);
    await s.stopConsuming();
    await first;
  });

  it('warns when it consumes nothing: no subscription, or a channel without a handler', async () => {
    const logger = recordingLogger();
    const idle = redis.streamer('nothing-subscribed', { logger });
    const run = idle.persistConsume({ blockMs: 1000 });
    await idle.stopConsuming();
    await run;
    assert.ok(
      logger.messages('warn').some((w) => w.includes('no subscription')),
      logger.messages('warn').join(' | '),
    );
    const channel = uniqueChannel('no-handler');
    const silent = redis.streamer('no-handler', { logger });
    await silent.subscribe(channel);
    const run2 = silent.persistConsume({ blockMs: 1000 });
    await silent.stopConsuming();
    await run2;
    assert.ok(
      logger.messages('warn').some((w) => w.includes(`"${channel}" has no handler`)),
      logger.messages('warn').join(' | '),
    );
  });

  it('does not say "no subscription" while a subscribe() not awaited is creating its group, and consumes it once done', async () => {
    const logger = recordingLogger();
    const s = redis.streamer('pending-subscribe', { logger });
    const channel = uniqueChannel('pending');
    let handled = 0;
    const subscribed = s.subscribe(channel);
    s.registerHandler(channel, () => void handled++);
    const run = s.persistConsume({ blockMs: 100 });
    await subscribed;
    await s.sendMessage(channel, { name: 'n', body: 1 });
    await waitFor(() => handled === 1, 'the message handled');
    await s.stopConsuming();
    await run;
    assert.deepEqual(
      logger.messages('warn').filter((w) => w.includes('no subscription') || w.includes('not subscribed')),
      [],
    );
  });
});

describe('errors', () => {
  it('go to the logger when there is no error listener, and never throw out of the loop', async () => {
    const channel = uniqueChannel('no-listener');
    const logger = recordingLogger();
    const s = redis.streamer('no-listener', {
      logger,
      hooks: {
        onHandled: () => {
          throw new Error('a broken hook');
        },
      },
    });
    await s.subscribe(channel);
    let handled = 0;
    s.registerHandler(channel, () => void handled++);
    void s.persistConsume({ blockMs: 300 });
    await redis.streamer('pub').sendMessages(channel, [
      { name: 'a', body: 1 },
      { name: 'b', body: 2 },
    ]);
    await waitFor(() => handled >= 2 && logger.messages('error').length >= 2, 'both handled, both hook errors logged');
    const line = "the onHandled hook threw: a broken hook; the message's outcome is unchanged";
    assert.deepEqual(logger.messages('error'), [line, line]);
  });
});

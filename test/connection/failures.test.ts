/**
 * Every connection failure is visible, named and free of credentials: a database that does not
 * exist, a refused login (at first and later), an unreachable server, a refusal such as OOM, and a
 * reply lost in transit (the only case where a publish is "in doubt").
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import {
  AuthError,
  ConfigError,
  ConnectionError,
  PartialPublishError,
  PublishError,
  RedisCommandError,
  RedisStreamer,
  silentLogger,
} from '../../src/index.js';
import { uniqueChannel, waitFor } from '../support/harness.js';
import { recordingLogger, type RecordingLogger } from '../support/recording-logger.js';
import { freePort, startRedis, type RedisServer } from '../support/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const PASSWORD = 'pa55-w0rd-that-must-never-leak';

/** Every line of `logger` with its fields, serialised the way pino serialises errors. */
function written(logger: RecordingLogger): string[] {
  return logger.lines.map(
    ({ level, message, fields }) =>
      `${level} ${message} ${inspect(fields, { depth: 10, showHidden: true })} ${serialise(fields)}`,
  );
}

/** Everything a serialiser that walks own properties (pino's err serializer does) would write. */
function serialise(value: unknown, seen = new Set<unknown>()): string {
  if (value === null || typeof value !== 'object') return String(value);
  if (seen.has(value)) return '';
  seen.add(value);
  const parts: string[] = [];
  for (const key of Object.getOwnPropertyNames(value)) {
    parts.push(`${key}=${serialise((value as Record<string, unknown>)[key], seen)}`);
  }
  return `{${parts.join(',')}}`;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected a rejection'),
    (err: unknown) => err,
  );
}

describe('a database index the server does not have', () => {
  let server: RedisServer;
  before(async () => (server = await startRedis()));
  after(async () => server.stop());

  it('fails with a ConfigError naming the db, and writes nothing to db 0', async () => {
    const channel = uniqueChannel('db99');
    const s = new RedisStreamer(`redis://127.0.0.1:${server.port}/99`, 'db-svc', { logger: silentLogger });
    const published = await failure(s.sendMessage(channel, { name: 'n', body: 1 }));
    assert.ok(published instanceof ConfigError, `got ${String(published)}`);
    assert.match(published.message, /no database 99/);
    assert.ok(published.message.includes(`127.0.0.1:${server.port}`));
    const subscribed = await failure(s.subscribe(channel));
    assert.ok(subscribed instanceof ConfigError);
    const consumed = await failure(s.persistConsume());
    assert.ok(consumed instanceof ConfigError);
    const raw = new Redis(server.url);
    assert.equal(await raw.exists(channel), 0, 'nothing reached db 0');
    assert.equal(await raw.dbsize(), 0);
    raw.disconnect();
    const stats = await s.getStats();
    assert.ok(stats.connections.some((c) => c.state === 'failed' && c.lastErrorCode === 'ERR_CONFIG'));
    await s.cleanup();
  });
});

describe('a refused login', () => {
  let server: RedisServer;
  before(async () => (server = await startRedis({ args: ['--requirepass', PASSWORD] })));
  after(async () => server.stop());

  it('rejects subscribe, sendMessage and persistConsume promptly with an AuthError, and never leaks the password', async () => {
    const logger = recordingLogger();
    const wrong = `${PASSWORD}-wrong`;
    const s = new RedisStreamer(`redis://ops:${wrong}@127.0.0.1:${server.port}/0`, 'auth-svc', { logger });
    const seen: unknown[] = [];
    s.on('error', (err, ctx) => seen.push(err, ctx));
    s.on('reconnect', (event) => seen.push(event));
    const started = Date.now();
    const errors = [
      await failure(s.subscribe(uniqueChannel('auth'))),
      await failure(s.sendMessage('auth-ch', { name: 'n', body: 1 })),
      await failure(s.sendMessages('auth-ch', [{ name: 'n', body: 1 }])),
      await failure(s.persistConsume()),
    ];
    assert.ok(Date.now() - started < 3000, `rejected within 3 s (took ${Date.now() - started} ms)`);
    for (const err of errors) {
      assert.ok(err instanceof AuthError, `got ${inspect(err)}`);
      assert.equal(err.code, 'ERR_AUTH');
      assert.equal(err.user, 'ops');
      assert.equal(err.endpoint, `127.0.0.1:${server.port}`);
      assert.match(err.message, /refused the login of user "ops"/);
    }
    // A few reconnect attempts happen and are reported (reconnect events).
    const attempts = (): number => seen.filter((x) => typeof x === 'object' && x !== null && 'delayMs' in x).length;
    await waitFor(() => attempts() >= 2, 'reconnect attempts reported');
    const stats = await s.getStats();
    const command = stats.connections.find((c) => c.name.endsWith(':command'));
    assert.equal(command?.lastErrorCode, 'ERR_AUTH');
    assert.ok(command?.state === 'reconnecting' || command?.state === 'connecting');
    await s.cleanup();
    const everything = [
      ...written(logger),
      ...seen.map((x) => `${inspect(x, { depth: 10, showHidden: true })} ${serialise(x)}`),
      ...errors.map((x) => `${inspect(x, { depth: 10, showHidden: true })} ${serialise(x)}`),
      JSON.stringify(stats),
      inspect(stats, { depth: 10 }),
    ].join('\n');
    assert.ok(everything.includes('WRONGPASS'), 'the cause is reported');
    assert.ok(!everything.includes(wrong), 'the password appears nowhere');
    assert.ok(!everything.includes(PASSWORD), 'no part of it either');
  });

  it('without a password, the AuthError says none was given and where it goes', async () => {
    const s = new RedisStreamer(`redis://127.0.0.1:${server.port}`, 'no-login-svc', { logger: silentLogger });
    const err = await failure(s.sendMessage('auth-ch', { name: 'n', body: 1 }));
    await s.cleanup();
    assert.ok(err instanceof AuthError, `got ${inspect(err)}`);
    assert.match(err.reason, /^NOAUTH/);
    assert.match(
      err.message,
      /\(no password was given: put it in the URL, redis:\/\/user:password@host, or in the `password` option\)$/,
    );
  });

  it('a connection that later fails its login keeps retrying, reports host and cause, and recovers', async () => {
    const logger = recordingLogger();
    const channel = uniqueChannel('later');
    const s = new RedisStreamer(`redis://:${PASSWORD}@127.0.0.1:${server.port}`, 'later-svc', { logger });
    const reconnects: Array<{ endpoint: string; error: unknown }> = [];
    s.on('reconnect', (event) => reconnects.push(event));
    await s.sendMessage(channel, { name: 'n', body: 1 });
    const admin = new Redis({ port: server.port, password: PASSWORD });
    admin.on('error', () => {});
    await admin.config('SET', 'requirepass', 'rotated-secret');
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await waitFor(
      () => reconnects.some((r) => r.error instanceof AuthError),
      'a reconnect reporting the refused login',
    );
    const report = reconnects.find((r) => r.error instanceof AuthError);
    assert.equal(report?.endpoint, `127.0.0.1:${server.port}`);
    await waitFor(() => reconnects.filter((r) => r.error instanceof AuthError).length >= 3, 'more refused attempts');
    const warnings = written(logger).filter((l) => l.startsWith('warn') && l.includes('reconnecting'));
    const refused = warnings.filter((l) => l.includes('WRONGPASS'));
    assert.equal(refused.length, 1, `the refused login is logged once, not per attempt (${warnings.length} lines)`);
    assert.ok(reconnects.length > warnings.length, 'every attempt is an event, not every attempt a log line');
    assert.ok(refused[0]?.includes(`127.0.0.1:${server.port}`), 'the log line names the host');
    await admin.config('SET', 'requirepass', PASSWORD);
    admin.disconnect();
    const id = await s.sendMessage(channel, { name: 'n', body: 2 }).catch(async () => {
      // The next reconnect attempt succeeds.
      await waitFor(async () => (await s.getStats()).connections.every((c) => c.state === 'ready'), 'reconnected');
      return s.sendMessage(channel, { name: 'n', body: 2 });
    });
    assert.match(id, /^\d+-\d+$/);
    await s.cleanup();
    assert.ok(!written(logger).join('\n').includes(PASSWORD));
    assert.ok(!written(logger).join('\n').includes('rotated-secret'));
  });
});

describe('an unreachable server', () => {
  it('rejects every public call with the library error classes, naming the host', async () => {
    const port = await freePort();
    const s = new RedisStreamer(`redis://127.0.0.1:${port}`, 'down-svc', { logger: silentLogger });
    const subscribed = await failure(s.subscribe('x'));
    assert.ok(
      subscribed instanceof ConnectionError && !(subscribed instanceof AuthError),
      `got ${inspect(subscribed)}`,
    );
    assert.match(subscribed.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.equal(subscribed.sent, false);
    const published = await failure(s.sendMessage('x', { name: 'n', body: 1 }));
    assert.ok(published instanceof PublishError && !published.inDoubt);
    const consumed = await failure(s.persistConsume());
    assert.ok(consumed instanceof ConnectionError);
    const dead = await failure(s.deadLetters('x').size());
    assert.ok(dead instanceof ConnectionError);
    await s.cleanup();
  });
});

describe('refusals and replies lost in transit', () => {
  let server: RedisServer;
  const proxy = new TcpProxy();
  before(async () => {
    server = await startRedis();
    await proxy.start(server.port);
  });
  after(async () => {
    await proxy.stop();
    await server.stop();
  });

  it('an OOM refusal is a PublishError with its real cause, not "in doubt"', async () => {
    const channel = uniqueChannel('oom');
    const raw = new Redis(server.url);
    const s = new RedisStreamer(server.url, 'oom-svc', { logger: silentLogger });
    await s.sendMessage(channel, { name: 'warm-up', body: 1 });
    await raw.config('SET', 'maxmemory-policy', 'noeviction');
    await raw.config('SET', 'maxmemory', '1');
    try {
      const single = await failure(s.sendMessage(channel, { name: 'n', body: 1 }));
      assert.ok(single instanceof PublishError, `got ${inspect(single)}`);
      assert.equal(single.inDoubt, false);
      assert.ok(single.cause instanceof RedisCommandError);
      assert.equal(single.cause.redisCode, 'OOM');
      assert.match(single.message, /OOM.*nothing was appended/);
      const batch = await failure(s.sendMessages(channel, [{ name: 'a', body: 1 }]));
      assert.ok(batch instanceof PartialPublishError && batch instanceof PublishError);
      assert.deepEqual(batch.notPublishedIndexes, [0]);
      assert.deepEqual(batch.inDoubtIndexes, []);
    } finally {
      await raw.config('SET', 'maxmemory', '0');
    }
    assert.equal(await raw.xlen(channel), 1);
    raw.disconnect();
    await s.cleanup();
  });

  it('a batch whose reply is lost tells appended, in-doubt and unsent messages apart', async () => {
    const channel = uniqueChannel('doubt');
    const s = new RedisStreamer(`redis://127.0.0.1:${proxy.port}`, 'doubt-svc', { logger: silentLogger });
    await s.sendMessage(channel, { name: 'warm-up', body: 0 }); // connects; the next reply is the first chunk's
    const messages = Array.from({ length: 2500 }, (_, i) => ({ name: 'n', body: i }));
    proxy.cutAfterReplies(1); // chunk 1's reply passes, chunk 2 runs and its reply is lost
    const err = await failure(s.sendMessages(channel, messages));
    assert.ok(err instanceof PartialPublishError, `got ${inspect(err)}`);
    assert.equal(err.inDoubt, true);
    assert.equal(err.publishedIds.length, 1000);
    assert.deepEqual(
      err.inDoubtIndexes,
      Array.from({ length: 1000 }, (_, i) => 1000 + i),
    );
    assert.deepEqual(
      err.notPublishedIndexes,
      Array.from({ length: 500 }, (_, i) => 2000 + i),
    );
    const raw = new Redis(server.url);
    assert.equal(await raw.xlen(channel), 2001, 'the in-doubt chunk was in fact appended, the last one was not');
    raw.disconnect();
    await s.cleanup();
  });
});

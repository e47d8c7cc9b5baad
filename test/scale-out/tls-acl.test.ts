/**
 * TLS and least-privilege ACL users, on real servers: a connection verified against the CA (and
 * refused with a clear error under a wrong one), client certificates, and the documented ACL rules
 * (aclRules) letting each role do its job, while a missing right is a clear error that loses or
 * half-writes nothing. Credentials appear in no error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import {
  aclRules,
  ConnectionError,
  Inspector,
  PublishError,
  RedisCommandError,
  RedisInstance,
  RedisStreamer,
  ReplicationError,
  silentLogger,
  type RedisStreamerError,
} from '../../src/index.js';
import { publishKeys } from '../../src/naming.js';
import { uniqueChannel, waitFor } from '../support/harness.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { startTlsRedis, type TlsRedis } from '../support/redis-tls.js';
import { waitForBlocked, waitForServerTime } from '../support/states.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function track(s: RedisStreamer): RedisStreamer {
  cleanups.push(() => s.cleanup());
  return s;
}

async function roundTrip(redis: RedisInstance, channel: string): Promise<void> {
  const s = track(new RedisStreamer(redis, 'tls-svc', { logger: silentLogger }));
  await s.subscribe(channel);
  let got: unknown;
  s.registerHandler(channel, (_n, p) => void (got = p));
  void s.persistConsume({ blockMs: 500 });
  await s.sendMessage(channel, { name: 'n', body: { ok: true } });
  await waitFor(() => got !== undefined, 'the round trip');
  assert.deepEqual(got, { ok: true });
  await s.cleanup();
}

describe('TLS', () => {
  let server: TlsRedis;
  let mutual: TlsRedis;
  before(async () => {
    server = await startTlsRedis();
    mutual = await startTlsRedis({ requireClientCert: true });
  });
  after(async () => {
    await server.stop();
    await mutual.stop();
  });

  it('connects with the CA verified (rediss:// and tls options)', async () => {
    await roundTrip(new RedisInstance({ url: server.url, tls: { ca: server.certs.caPem } }), uniqueChannel('tls'));
  });

  it('refuses a server whose certificate the CA did not sign, with a clear error', async () => {
    const s = track(
      new RedisStreamer(new RedisInstance({ url: server.url, tls: { ca: server.certs.wrongCaPem } }), 'wrong-ca', {
        logger: silentLogger,
      }),
    );
    const err = await s.subscribe(uniqueChannel('wrong')).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConnectionError, `got ${inspect(err)}`);
    assert.match(err.message, /certificate/i);
    assert.ok(err.message.includes(`localhost:${server.port}`));
  });

  it('redis:// to a TLS port: calls fail at once, saying the server closed before answering and to use rediss://', async () => {
    const redis = new RedisInstance({ url: `redis://localhost:${server.port}`, connectTimeoutMs: 5000 });
    const s = track(new RedisStreamer(redis, 'no-tls', { logger: silentLogger }));
    s.on('error', () => {});
    const started = performance.now();
    const published = await s.sendMessage(uniqueChannel('plain'), { name: 'n', body: 1 }).catch((e: unknown) => e);
    const subscribed = await s.subscribe(uniqueChannel('plain')).catch((e: unknown) => e);
    assert.ok(performance.now() - started < 4000, 'not held until the connect timeout');
    assert.ok(published instanceof PublishError && published.cause instanceof ConnectionError, inspect(published));
    for (const err of [published.cause, subscribed]) {
      assert.ok(err instanceof ConnectionError, inspect(err));
      assert.match(
        err.message,
        /closed the connection before its first answer \(a TLS port reached without TLS: use rediss:\/\/; or a proxy/,
      );
    }
    const [stats] = (await s.getStats()).connections;
    assert.match(stats?.lastError ?? '', /use rediss:\/\//);
  });

  it('a TLS endpoint that closes after the handshake (a TLS proxy with nothing behind it): no rediss:// hint', async () => {
    const { cert, key } = server.certs;
    const proxy = createTlsServer({ cert: readFileSync(cert), key: readFileSync(key) }, (socket) => socket.destroy());
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as AddressInfo;
    try {
      const redis = new RedisInstance({
        url: `rediss://localhost:${port}`,
        tls: { ca: server.certs.caPem },
        connectTimeoutMs: 2000,
      });
      const s = track(new RedisStreamer(redis, 'tls-proxy', { logger: silentLogger }));
      s.on('error', () => {});
      const err = await s.subscribe(uniqueChannel('proxy')).catch((e: unknown) => e);
      assert.ok(err instanceof ConnectionError, inspect(err));
      assert.doesNotMatch(err.message, /rediss:\/\//);
      await s.cleanup();
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('presents a client certificate when the server requires one', async () => {
    const { caPem, clientCertPem, clientKeyPem } = mutual.certs;
    await roundTrip(
      new RedisInstance({ url: mutual.url, tls: { ca: caPem, cert: clientCertPem, key: clientKeyPem } }),
      uniqueChannel('mtls'),
    );
  });
});

describe('ACL users', () => {
  let server: RedisServer;
  let admin: Redis;
  const PASSWORD = 'acl-pw-never-printed';
  before(async () => {
    server = await startRedis();
    admin = new Redis(server.url);
  });
  after(async () => {
    admin.disconnect();
    await server.stop();
  });

  async function user(name: string, rules: readonly string[]): Promise<RedisInstance> {
    await admin.call('ACL', 'SETUSER', name, 'reset', 'on', `>${PASSWORD}`, ...rules);
    return new RedisInstance({ port: server.port, username: name, password: PASSWORD });
  }

  it('a consumer, a publisher and a monitor can each do their job with the documented rules', async () => {
    const channel = uniqueChannel('acl');
    const consumer = await user('consumer', aclRules({ role: 'consumer', channels: [channel] }));
    const publisher = await user('publisher', aclRules({ role: 'publisher', channels: [channel] }));
    const monitor = await user('monitor', aclRules({ role: 'monitor', channels: [channel] }));
    for (const [i, delivery] of (['at-most-once', 'at-least-once'] as const).entries()) {
      const c = track(
        new RedisStreamer(consumer, `acl-${delivery}`, {
          logger: silentLogger,
          delivery,
          maxAttempts: 2,
          retryBaseMs: 50,
          retryMaxMs: 100,
        }),
      );
      const errors: Error[] = [];
      c.on('error', (e) => errors.push(e));
      await c.subscribe(channel);
      c.setRetention(channel, { retentionMs: 3_600_000 });
      const got: string[] = [];
      c.registerHandler(channel, (name) => {
        if (name === 'bad') throw new Error('fails');
        got.push(name);
      });
      const run = c.persistConsume({ blockMs: 300, cleanupIntervalMs: 200, ledgerIntervalMs: 200 });
      const p = track(new RedisStreamer(publisher, 'acl-pub', { logger: silentLogger }));
      await p.sendMessages(channel, [
        { name: 'a', body: 1 },
        { name: 'bad', body: 2 },
      ]);
      await p.sendMessage(channel, { name: 'b', body: 3 });
      await waitFor(() => got.length === 2, `${delivery}: handled`);
      await waitFor(async () => (await c.deadLetters(channel).size()) === i + 1, `${delivery}: dead-lettered`);
      await c.cleanupChannels();
      await c.stopConsuming();
      await run;
      assert.deepEqual(
        errors.map((e) => e.message),
        [],
        `${delivery}: no permission missing`,
      );
    }
    const inspector = new Inspector(monitor);
    cleanups.push(() => inspector.close());
    assert.deepEqual(await inspector.channels(), [channel]);
    const info = await inspector.channel(channel);
    assert.equal(info.length, 6, 'three messages published for each group');
    assert.equal(info.deadLetters, 2, 'one dead letter per group');
    assert.deepEqual(info.groups.map((g) => g.name).sort(), [
      `${channel}:acl-at-least-once:cg`,
      `${channel}:acl-at-most-once:cg`,
    ]);
    assert.ok(info.groups.every((g) => g.live && g.pending === 0 && g.consumers.length > 0));
    const letters = await inspector.deadLetters(channel).list();
    assert.equal(letters.length, 2);
    const refused = await inspector
      .deadLetters(channel)
      .purge('all')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(refused instanceof RedisCommandError && refused.redisCode === 'NOPERM', inspect(refused));
    // The monitor may follow the channel (XREAD BLOCK, no group), as `redis-streamer tail` does.
    const tail = inspector.tail(channel, { blockMs: 200 });
    const next = tail.next();
    await waitForBlocked(admin, `redis-streamer:inspect:tail:${channel}`); // waiting in XREAD BLOCK
    await admin.xadd(channel, '*', 'name', 'followed', 'body', '{}');
    const followed = await next;
    await tail.return(undefined);
    assert.equal(followed.done, false);
    assert.equal(followed.value?.message?.name, 'followed');
  });

  it('a publisher without SCRIPT LOAD publishes keyed messages with a replica wait (the script cached by EVAL)', async () => {
    const channel = uniqueChannel('acl-wait');
    const publisher = await user('waiter', aclRules({ role: 'publisher', channels: [channel], waitForReplicas: true }));
    await admin.call('SCRIPT', 'FLUSH');
    const p = track(new RedisStreamer(publisher, 'acl-wait', { logger: silentLogger }));
    // No replica here: WAIT answers 0 after its timeout, which is a ReplicationError carrying the id.
    const err = await p
      .sendMessage(channel, { name: 'n', body: 1 }, { idempotencyKey: 'k', replicas: 1, timeoutMs: 50 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof ReplicationError && err.acknowledgedBy === 0, inspect(err));
    assert.equal(await admin.xlen(channel), 1);
  });

  it('a publisher keeps idempotency keys across generation changes with the documented rules', async () => {
    const channel = uniqueChannel('acl-idem');
    const publisher = await user('keyed', aclRules({ role: 'publisher', channels: [channel] }));
    const p = track(new RedisStreamer(publisher, 'acl-idem', { logger: silentLogger, publishDedupWindowMs: 100 }));
    const first = await p.sendMessage(channel, { name: 'n', body: 1 }, { idempotencyKey: 'a' });
    let last = first;
    for (let round = 0; round < 3; round++) {
      // 60 ms on the server's clock (which the window is measured on) after the last publish.
      await waitForServerTime(admin, Number(last.split('-')[0]) + 60, 'the next round');
      // Each second round changes generation (RENAME, UNLINK) while 'b' stays within its window.
      const b = await p.sendMessage(channel, { name: 'n', body: round }, { idempotencyKey: `b${round}` });
      last = b;
      assert.equal(await p.sendMessage(channel, { name: 'n', body: round }, { idempotencyKey: `b${round}` }), b);
    }
    assert.notEqual(await p.sendMessage(channel, { name: 'n', body: 1 }, { idempotencyKey: 'a' }), first);
    assert.equal(await admin.xlen(channel), 5);
    assert.equal(await admin.exists(...publishKeys(channel)), 2, 'both generations exist');
  });

  it('a missing right is a clear error naming the command, and nothing is half-written', async () => {
    const channel = uniqueChannel('noperm');
    const rules = aclRules({ role: 'consumer', channels: [channel] }).filter((r) => r !== '+xack');
    const consumer = await user('no-xack', rules);
    const errors: RedisStreamerError[] = [];
    const c = track(new RedisStreamer(consumer, 'noperm-svc', { logger: silentLogger, delivery: 'at-least-once' }));
    c.on('error', (e) => errors.push(e as RedisStreamerError));
    await c.subscribe(channel);
    c.registerHandler(channel, () => {});
    const run = c.persistConsume({ blockMs: 300 });
    await admin.xadd(channel, '*', 'name', 'n', 'body', '1');
    await waitFor(() => errors.length > 0, 'the refused acknowledgement reported');
    const err = errors[0];
    assert.ok(err instanceof RedisCommandError, inspect(err));
    assert.equal(err.redisCode, 'NOPERM');
    assert.match(err.message, /xack/i);
    assert.ok(!inspect(errors).includes(PASSWORD));
    const [pending] = (await admin.xpending(channel, `${channel}:noperm-svc:cg`)) as [number];
    assert.equal(Number(pending), 1, 'the entry stays pending: redelivered once the right is granted, not lost');
    await c.stopConsuming();
    await run;

    const publisher = await user('no-xadd', aclRules({ role: 'publisher', channels: ['elsewhere'] }));
    const p = track(new RedisStreamer(publisher, 'noperm-pub', { logger: silentLogger }));
    const refused = await p.sendMessage(channel, { name: 'n', body: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(refused instanceof PublishError && !refused.inDoubt, inspect(refused));
    assert.ok(refused.cause instanceof RedisCommandError && refused.cause.redisCode === 'NOPERM');
    assert.equal(await admin.xlen(channel), 1, 'nothing appended');

    // A right missing inside a script: Redis 7.0 answers ERR and names no command; the error says NOPERM.
    const noXadd = aclRules({ role: 'publisher', channels: [channel] }).filter((r) => r !== '+xadd');
    const scripted = track(
      new RedisStreamer(await user('no-xadd-script', noXadd), 'noperm-keyed', { logger: silentLogger }),
    );
    const keyed = await scripted.sendMessage(channel, { name: 'n', body: 1 }, { idempotencyKey: 'k-1' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(keyed instanceof PublishError && !keyed.inDoubt, inspect(keyed));
    assert.ok(keyed.cause instanceof RedisCommandError, inspect(keyed));
    assert.equal(keyed.cause.redisCode, 'NOPERM', keyed.cause.message);
    assert.match(keyed.cause.message, /lacks a right one of the library's scripts needs.*aclRules\(\)/);
    assert.equal(await admin.xlen(channel), 1, 'nothing appended');
  });
});

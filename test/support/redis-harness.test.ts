/**
 * Self-test of the multi-process Redis harnesses: test/support/redis-cluster.ts,
 * redis-sentinel.ts and redis-tls.ts. Each group stops what it started in `after`, also when an
 * assertion fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { CLUSTER_CLIENT_OPTIONS, startCluster, type RedisCluster } from './redis-cluster.js';
import { startSentinel, type SentinelSetup } from './redis-sentinel.js';
import { startTlsRedis, type TlsRedis } from './redis-tls.js';

/** Clients to close after a group. */
function closer(): { add<T extends Redis | Cluster>(client: T): T; closeAll(): void } {
  const clients: Array<Redis | Cluster> = [];
  return {
    add(client) {
      client.on('error', () => {}); // the tests kill servers under it
      clients.push(client);
      return client;
    },
    closeAll() {
      for (const c of clients.splice(0)) c.disconnect();
    },
  };
}

describe('redis-cluster harness', () => {
  let cluster: RedisCluster | undefined;
  const clients = closer();
  const c = (): RedisCluster => cluster ?? assert.fail('cluster not started');

  let startMs = 0;
  before(async () => {
    const t0 = Date.now();
    cluster = await startCluster();
    startMs = Date.now() - t0;
  });
  after(async () => {
    clients.closeAll();
    await cluster?.stop();
  });

  it('starts 3 primaries with a replica each, reachable through an ioredis Cluster client', async (t) => {
    t.diagnostic(`cluster started in ${startMs} ms`);
    assert.equal(c().nodes.filter((n) => n.role === 'primary').length, 3);
    assert.equal(c().nodes.filter((n) => n.role === 'replica').length, 3);
    assert.equal(c().urls().length, 6);
    for (const node of c().nodes.filter((n) => n.role === 'primary')) {
      const replica = await c().replicaOf(node.port);
      assert.equal(c().nodes.find((n) => n.port === replica)?.role, 'replica');
    }
    const client = clients.add(new Cluster(c().startupNodes(), CLUSTER_CLIENT_OPTIONS));
    await client.set('harness:a', '1');
    assert.equal(await client.get('harness:a'), '1');
  });

  it('migrates a slot with its keys to another primary', async () => {
    const client = clients.add(new Cluster(c().startupNodes(), CLUSTER_CLIENT_OPTIONS));
    const keys = Array.from({ length: 250 }, (_, i) => `{harness:m}:${i}`);
    for (const key of keys) await client.set(key, key);
    const before = await c().primaryFor('{harness:m}');
    const target = c().nodes.find((n) => n.role === 'primary' && n.port !== before.port)!;
    await c().migrateSlotOf('{harness:m}', target.port);
    const now = await c().primaryFor('{harness:m}');
    assert.equal(now.port, target.port);
    assert.equal(now.slot, before.slot);
    assert.equal(await client.get('{harness:m}:0'), '{harness:m}:0');
    assert.equal(await client.get('{harness:m}:249'), '{harness:m}:249');
    const direct = clients.add(new Redis(target.port, '127.0.0.1'));
    assert.equal(await direct.call('CLUSTER', 'COUNTKEYSINSLOT', String(now.slot)), 250);
  });

  it('promotes a replica when a primary is killed, takes the old one back as a replica, fails over to it', async (t) => {
    const client = clients.add(new Cluster(c().startupNodes(), CLUSTER_CLIENT_OPTIONS));
    await client.set('{harness:k}', 'before');
    const old = await c().primaryFor('{harness:k}');
    const replica = await c().replicaOf(old.port);
    await clients.add(new Redis(old.port, '127.0.0.1')).wait(1, 2000); // replicated before the kill
    await c().killNode(old.port);
    const { newPrimary, ms } = await c().waitForPromotion(old.port);
    t.diagnostic(`replica promoted ${ms} ms after the kill`);
    assert.equal(newPrimary, replica);
    assert.ok(ms > 0 && ms < 15_000, `promotion took ${ms} ms`);
    assert.equal((await c().primaryFor('{harness:k}')).port, newPrimary);
    assert.equal(await client.get('{harness:k}'), 'before');
    await client.set('{harness:k}', 'after');

    await c().restartNode(old.port);
    assert.equal(c().nodes.find((n) => n.port === old.port)?.role, 'replica');
    assert.equal(await c().replicaOf(newPrimary), old.port);
    await c().failover(old.port);
    assert.equal(c().nodes.find((n) => n.port === old.port)?.role, 'primary');
    assert.equal(c().nodes.find((n) => n.port === newPrimary)?.role, 'replica');
    assert.equal((await c().primaryFor('{harness:k}')).port, old.port);
    assert.equal(await client.get('{harness:k}'), 'after');
  });
});

describe('redis-sentinel harness', () => {
  let setup: SentinelSetup | undefined;
  const clients = closer();
  const s = (): SentinelSetup => setup ?? assert.fail('sentinel setup not started');

  let startMs = 0;
  before(async () => {
    const t0 = Date.now();
    setup = await startSentinel();
    startMs = Date.now() - t0;
  });
  after(async () => {
    clients.closeAll();
    await setup?.stop();
  });

  it('fails over when the primary is killed; an ioredis sentinel client writes before and after', async (t) => {
    t.diagnostic(`sentinel setup started in ${startMs} ms`);
    const client = clients.add(new Redis({ sentinels: s().sentinels, name: s().name }));
    await client.set('harness:s', 'before');
    assert.equal(await client.wait(1, 2000), 1); // on the replica before the kill
    const old = await s().primaryPort();
    await s().killPrimary();
    const { newPrimary, ms } = await s().waitForFailover(old);
    t.diagnostic(`sentinel failover ${ms} ms after the kill`);
    assert.notEqual(newPrimary, old);
    assert.equal(await s().primaryPort(), newPrimary);
    assert.ok(ms > 0 && ms < 20_000, `failover took ${ms} ms`);
    await client.set('harness:s2', 'after');
    assert.equal(await client.get('harness:s'), 'before');
    const direct = clients.add(new Redis(newPrimary, '127.0.0.1'));
    assert.equal(await direct.get('harness:s2'), 'after');

    let t0 = Date.now();
    await s().restartOld(old);
    t.diagnostic(`old primary back as a replica in ${Date.now() - t0} ms`);
    const back = clients.add(new Redis(old, '127.0.0.1'));
    assert.equal((await back.role())[0], 'slave');
    t0 = Date.now();
    await s().failover();
    t.diagnostic(`planned failover in ${Date.now() - t0} ms`);
    assert.equal(await s().primaryPort(), old);
  });
});

describe('redis-tls harness', () => {
  let server: TlsRedis | undefined;
  let mutual: TlsRedis | undefined;
  const clients = closer();
  const t = (): TlsRedis => server ?? assert.fail('tls server not started');
  /** A client that does not retry, so a failed handshake rejects connect(). */
  const once = { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 } as const;

  before(async () => {
    [server, mutual] = await Promise.all([startTlsRedis(), startTlsRedis({ requireClientCert: true })]);
  });
  after(async () => {
    clients.closeAll();
    await Promise.all([server?.stop(), mutual?.stop()]);
  });

  it('connects with the right CA and PINGs', async () => {
    assert.match(t().url, /^rediss:\/\/localhost:\d+$/);
    const client = clients.add(new Redis(t().url, { tls: { ca: t().certs.caPem } }));
    assert.equal(await client.ping(), 'PONG');
  });

  it('fails with a certificate error with the wrong CA', async () => {
    const client = clients.add(new Redis(t().url, { ...once, tls: { ca: t().certs.wrongCaPem } }));
    const errors: Error[] = [];
    client.on('error', (error: Error) => errors.push(error));
    await assert.rejects(client.connect()); // "Connection is closed."; the cause comes as an 'error' event
    assert.match(errors.map((e) => e.message).join('; '), /certificate/i);
  });

  it('requires a client certificate when asked to', async () => {
    const m = mutual ?? assert.fail('mutual-TLS server not started');
    const withCert = clients.add(
      new Redis(m.url, { tls: { ca: m.certs.caPem, cert: m.certs.clientCertPem, key: m.certs.clientKeyPem } }),
    );
    assert.equal(await withCert.ping(), 'PONG');
    const without = clients.add(new Redis(m.url, { ...once, tls: { ca: m.certs.caPem } }));
    await assert.rejects(async () => {
      await without.connect();
      await without.ping();
    });
  });
});

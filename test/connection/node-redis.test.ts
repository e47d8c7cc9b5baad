/**
 * What is particular to the node-redis adapter (the rest of the suite runs on it with
 * RS_CLIENT=node-redis): how a user chooses it, node-redis clients given as templates, and the
 * exact knowledge of whether a failed command was written (node-redis writes a command at the
 * next turn of the event loop, so a connection that was ready when the call was made says nothing).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { createClient, createCluster, createSentinel } from 'redis';
import { ConfigError, ConnectionError, RedisInstance, RedisStreamer, silentLogger } from '../../src/index.js';
import { IoredisPort } from '../../src/connection/ioredis-adapter.js';
import { NodeRedisPort } from '../../src/connection/node-redis-adapter.js';
import { CLIENT_NAMES } from '../../src/connection/client-choice.js';
import { testClient } from '../support/client-choice.js';
import { connectsWithoutUnneededLogin } from '../support/unneeded-login.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { startCluster, type RedisCluster } from '../support/redis-cluster.js';
import { redisCommand, redisCommands } from '../support/redis-server.js';

const redis = useRedis();

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected a rejection'),
    (err: unknown) => err,
  );
}

describe('choosing node-redis', () => {
  it("opens node-redis connections with client: 'node-redis', ioredis ones with client: 'ioredis'", async () => {
    const nodeRedis = new RedisInstance({ url: redis.url, client: 'node-redis' }).createPort('c', { kind: 'command' });
    const ioredis = new RedisInstance({ url: redis.url, client: 'ioredis' }).createPort('c', { kind: 'command' });
    assert.ok(nodeRedis instanceof NodeRedisPort);
    assert.ok(ioredis instanceof IoredisPort);
    await nodeRedis.connect();
    await Promise.all([nodeRedis.close(), ioredis.close()]);
  });

  it('the suite runs on the client RS_CLIENT names: a connection opened without `client` uses it', async () => {
    const port = new RedisInstance(redis.url).createPort('default', { kind: 'command' });
    try {
      assert.ok(testClient === 'node-redis' ? port instanceof NodeRedisPort : port instanceof IoredisPort);
    } finally {
      await port.close();
    }
  });

  it('names a connection whose label Redis would refuse (spaces, control characters, accents) with _ instead', async () => {
    const port = new RedisInstance({ url: redis.url, client: 'node-redis' }).createPort('channel:a\x1b[2J é', {
      kind: 'command',
    });
    try {
      await port.connect();
      const list = String(await redis.client.call('CLIENT', 'LIST'));
      assert.match(list, /name=redis-streamer:channel:a_\[2J__ /);
    } finally {
      await port.close();
    }
  });

  it('refuses an unknown client with a ConfigError naming the option', () => {
    assert.throws(
      () => new RedisInstance({ url: redis.url, client: 'valkey' as 'ioredis' }),
      (err: unknown) => err instanceof ConfigError && /client/.test(err.message) && /node-redis/.test(err.message),
    );
  });
});

describe('whether a failed command was written', () => {
  it('a command called on a ready connection but cut before its write is not sent; one written is', async () => {
    const key = uniqueChannel('exact');
    const port = new RedisInstance({ url: redis.url, client: 'node-redis' }).createPort('exact', { kind: 'blocking' });
    await port.connect();
    const written = failure(port.waitForEntries([key], ['$'], 5000));
    await waitFor(
      async () => String(await redis.client.call('CLIENT', 'LIST')).includes('cmd=xread'),
      'the wait is blocked on the server',
    );
    // The connection is ready; node-redis writes this command at the next turn of the event loop.
    const queued = failure(port.xadd(key, ['name', 'n', 'body', '1']));
    port.destroy();
    const [w, q] = await Promise.all([written, queued]);
    assert.ok(w instanceof ConnectionError, `got ${inspect(w)}`);
    assert.equal(w.sent, true, 'the wait had reached Redis');
    assert.ok(q instanceof ConnectionError, `got ${inspect(q)}`);
    assert.equal(q.sent, false, 'the XADD never left: it is certainly not appended');
    assert.equal(await redis.client.exists(key), 0);
  });
});

describe('a node-redis client as a template', () => {
  it('publishes and consumes through connections of its own, never opening nor closing the template', async () => {
    const channel = uniqueChannel('nr-template');
    const template = createClient({ url: redis.url });
    const s = new RedisStreamer(template, 'nr-template', { logger: silentLogger });
    await s.subscribe(channel);
    const handled: unknown[] = [];
    s.registerHandler(channel, (_name, body) => void handled.push(body));
    const run = s.persistConsume({ blockMs: 200 });
    await s.sendMessage(channel, { name: 'n', body: 7 });
    await waitFor(() => handled.length === 1, 'the message handled');
    await s.cleanup();
    await run;
    assert.deepEqual(handled, [7]);
    assert.equal(template.isOpen, false, 'the template was never connected by the library');
  });

  it("refuses a template's key prefix, and a Sentinel client whose options cannot be read", () => {
    const prefixed = createClient({ url: redis.url, keyPrefix: 'app:' });
    assert.throws(
      () => new RedisStreamer(prefixed, 'prefixed', { logger: silentLogger }),
      (err: unknown) => err instanceof ConfigError && /keyPrefix "app:"/.test(err.message),
    );
    const sentinel = createSentinel({ name: 'mymaster', sentinelRootNodes: [{ host: '127.0.0.1', port: 1 }] });
    assert.throws(
      () => new RedisStreamer(sentinel, 'sentinel', { logger: silentLogger }),
      (err: unknown) => err instanceof ConfigError && /RedisInstance/.test(err.message),
    );
  });

  describe('a cluster client', () => {
    let cluster: RedisCluster;
    before(async () => (cluster = await startCluster()));
    after(async () => cluster?.stop());

    it('reaches every primary through its root nodes', async () => {
      const template = createCluster({ rootNodes: cluster.startupNodes().map((socket) => ({ socket })) });
      const s = new RedisStreamer(template, 'nr-cluster-template', { logger: silentLogger });
      const channels = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => uniqueChannel(`nr-ct-${n}`));
      for (const channel of channels) assert.match(await s.sendMessage(channel, { name: 'n', body: 1 }), /^\d+-\d+$/);
      const stats = await s.getStats();
      assert.ok(stats.connections.length > 0);
      await s.cleanup();
    });

    it('follows ASK while a slot migrates: a command, and a transaction (ASKING before MULTI)', async () => {
      const key = uniqueChannel('nr-ask');
      const port = new RedisInstance({ cluster: cluster.startupNodes(), client: 'node-redis' }).createPort('ask', {
        kind: 'command',
      });
      await port.xadd(key, ['name', 'n', 'body', '1']);
      const { port: from, slot } = await cluster.primaryFor(key);
      const primaries = cluster.nodes.filter((n) => n.role === 'primary' && n.port !== from);
      const to = primaries[0]!.port;
      const idOf = async (p: number): Promise<string> => String(await redisCommand(p, ['CLUSTER', 'MYID']));
      const [fromId, toId] = [await idOf(from), await idOf(to)];
      await redisCommand(to, ['CLUSTER', 'SETSLOT', slot, 'IMPORTING', fromId]);
      await redisCommand(from, ['CLUSTER', 'SETSLOT', slot, 'MIGRATING', toId]);
      await redisCommand(from, ['MIGRATE', '127.0.0.1', to, key, 0, 5000]);
      // The key lives on the target now, the slot still on the source: the source answers ASK.
      assert.equal(await port.xlen(key), 1);
      assert.equal(await port.deleteStream(key), 1, 'XLEN and DEL in one transaction, on the target');
      assert.deepEqual(await redisCommands(to, [['ASKING'], ['EXISTS', key]]), ['OK', 0]);
      for (const p of [from, to]) await redisCommand(p, ['CLUSTER', 'SETSLOT', slot, 'NODE', fromId]);
      await port.close();
    });
  });
});

describe('a password the server does not need', () => {
  for (const client of CLIENT_NAMES) {
    it(`connects without it on ${client}, and says so as a warning`, async () => {
      const url = new URL(redis.url);
      if (url.password !== '') return void assert.ok(true, 'REDIS_URL has a password: the server needs one');
      url.password = 'not-needed-password';
      await connectsWithoutUnneededLogin(new RedisInstance({ url: url.toString(), client }), uniqueChannel('login'), [
        'not-needed-password',
      ]);
    });
  }
});

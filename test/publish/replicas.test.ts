/**
 * Publishing with replica acknowledgements (WAIT) on a real primary and replica: a publish that
 * asks for a replica resolves once the replica has the entry; without enough replicas it rejects
 * with a ReplicationError that carries the ids (the entries are on the primary). And the honest
 * figure: how many acknowledged publishes a failover (the primary SIGKILLed, its replica promoted)
 * loses with and without the wait.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { PublishError, RedisStreamer, ReplicationError, silentLogger } from '../../src/index.js';
import { uniqueChannel, waitFor } from '../support/harness.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const streamers: RedisStreamer[] = [];
function streamer(url: string, name: string): RedisStreamer {
  const s = new RedisStreamer(url, name, { logger: silentLogger });
  streamers.push(s);
  return s;
}

async function replicaOf(primary: RedisServer, port = primary.port): Promise<{ server: RedisServer; client: Redis }> {
  const server = await startRedis({ args: ['--replicaof', '127.0.0.1', String(port)] });
  const client = new Redis(server.url);
  client.on('error', () => {});
  await waitFor(async () => /master_link_status:up/.test(await client.info('replication')), 'the replica in sync');
  return { server, client };
}

describe('publishing with replica acknowledgements', () => {
  let primary: RedisServer;
  let replica: { server: RedisServer; client: Redis };
  before(async () => {
    primary = await startRedis();
    replica = await replicaOf(primary);
  });
  after(async () => {
    await Promise.all(streamers.map((s) => s.cleanup()));
    replica.client.disconnect();
    await replica.server.stop();
    await primary.stop();
  });

  it('resolves once the replica has the entry (one message, a batch, a keyed message)', async () => {
    const channel = uniqueChannel('wait');
    const s = streamer(primary.url, 'wait-pub');
    const id = await s.sendMessage(channel, { name: 'n', body: 1 }, { replicas: 1, timeoutMs: 2000 });
    // No wait on the replica side: WAIT returned only once it had acknowledged the write.
    assert.equal((await replica.client.xrange(channel, id, id)).length, 1);
    const ids = await s.sendMessages(
      channel,
      Array.from({ length: 1500 }, (_, i) => ({ name: 'n', body: i })),
      { replicas: 1 },
    );
    assert.equal(ids.length, 1500);
    assert.equal(await replica.client.xlen(channel), 1501);
    const keyed = await s.sendMessage(channel, { name: 'n', body: 2 }, { idempotencyKey: 'k', replicas: 1 });
    assert.equal(await s.sendMessage(channel, { name: 'n', body: 2 }, { idempotencyKey: 'k', replicas: 1 }), keyed);
    assert.equal(await replica.client.xlen(channel), 1502);
  });

  it('rejects with a ReplicationError carrying the ids when too few replicas confirm', async () => {
    const channel = uniqueChannel('short');
    const s = streamer(primary.url, 'short-pub');
    const started = Date.now();
    const err = await s.sendMessage(channel, { name: 'n', body: 1 }, { replicas: 2, timeoutMs: 200 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ReplicationError, String(err));
    assert.equal(err.code, 'ERR_REPLICATION');
    assert.equal(err.acknowledgedBy, 1);
    assert.equal(err.replicas, 2);
    assert.ok(Date.now() - started >= 190, 'WAIT waited for its timeout');
    const raw = new Redis(primary.url);
    const entries = await raw.xrange(channel, '-', '+').finally(() => raw.disconnect());
    assert.deepEqual(
      entries.map(([id]) => id),
      err.ids,
      'the entry is on the primary',
    );
    const batch = await s
      .sendMessages(
        channel,
        [
          { name: 'n', body: 2 },
          { name: 'n', body: 3 },
        ],
        { replicas: 2, timeoutMs: 100 },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(batch instanceof ReplicationError && batch.ids.length === 2, String(batch));
  });

  it('keeps publishes without replicas off the waiting connection', async () => {
    const channel = uniqueChannel('apart');
    const s = streamer(primary.url, 'apart-pub');
    // A long WAIT in flight does not hold back a plain publish on the command connection.
    const waiting = s
      .sendMessage(channel, { name: 'n', body: 1 }, { replicas: 5, timeoutMs: 1500 })
      .catch((e: unknown) => e);
    const started = Date.now();
    await s.sendMessage(channel, { name: 'n', body: 2 });
    assert.ok(Date.now() - started < 500, 'the plain publish did not wait behind WAIT');
    assert.ok((await waiting) instanceof ReplicationError);
  });
});

describe('what a failover loses (asynchronous replication)', () => {
  it('acknowledged publishes lost when the primary dies while its replica is cut off: without and with replicas: 1', async () => {
    const figures: Record<string, { acknowledged: number; rejected: number; lost: number }> = {};
    for (const mode of ['no wait', 'replicas: 1'] as const) {
      const primary = await startRedis();
      // The replica reaches its primary through a proxy, so the link can freeze (a partition).
      const link = await new TcpProxy().start(primary.port);
      const replica = await replicaOf(primary, link.port);
      const channel = uniqueChannel('failover');
      const s = new RedisStreamer(primary.url, 'loss-pub', { logger: silentLogger });
      const acknowledged: string[] = [];
      let rejected = 0;
      let stop = false;
      // Publishes stream out concurrently while the replica's link breaks and the primary dies.
      const publishing = (async () => {
        for (let wave = 0; !stop; wave++) {
          const calls = Array.from({ length: 20 }, (_, k) =>
            s
              .sendMessage(
                channel,
                { name: 'n', body: wave * 20 + k },
                mode === 'no wait' ? {} : { replicas: 1, timeoutMs: 300 },
              )
              .then((id) => void acknowledged.push(id))
              .catch((err: unknown) => {
                // A ReplicationError (too few replicas in time) or a PublishError (the primary died).
                if (err instanceof PublishError) rejected++;
                else throw err;
              }),
          );
          await Promise.all(calls);
        }
      })();
      await waitFor(() => acknowledged.length >= 1000, 'publishing under way');
      // The replica falls behind: nothing passes its link any more...
      link.freeze();
      const settledAtFreeze = acknowledged.length + rejected;
      await waitFor(
        () => acknowledged.length + rejected >= settledAtFreeze + 20,
        'a wave of publishes settled while the replica is cut off',
      );
      // ...and the primary dies before it has caught up: what was in transit is gone.
      await primary.kill();
      await link.stop();
      stop = true;
      await publishing;
      await replica.client.call('REPLICAOF', 'NO', 'ONE');
      const kept = new Set((await replica.client.xrange(channel, '-', '+')).map(([id]) => id));
      figures[mode] = {
        acknowledged: acknowledged.length,
        rejected,
        lost: acknowledged.filter((id) => !kept.has(id)).length,
      };
      await s.cleanup();
      replica.client.disconnect();
      await replica.server.stop();
      await primary.stop();
    }
    console.log(`[failover loss] ${JSON.stringify(figures)}`);
    assert.ok((figures['no wait']?.lost ?? 0) > 0, 'without the wait, acknowledged publishes were lost');
    assert.equal(figures['replicas: 1']?.lost, 0, 'with replicas: 1 nothing acknowledged is lost');
    assert.ok((figures['replicas: 1']?.rejected ?? 0) > 0, 'the unconfirmed publishes were rejected, not acknowledged');
  });
});

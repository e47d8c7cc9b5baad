/**
 * The relay in this process, against a private PostgreSQL and a private redis-server: committed
 * rows become entries (rolled-back ones never), in order per channel, promptly on NOTIFY; a row that
 * keeps failing ends dead with its attempts and last error; a body the relay's streamer refuses does
 * not hold back its channel; close() finishes the round in flight.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type pg from 'pg';
import { Message, silentLogger, type RedisStreamer } from '../../src/index.js';
import { Outbox, startOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from '../../src/outbox/index.js';
import { useRedis, waitFor, uniqueChannel } from '../support/harness.js';
import { usePostgres } from '../support/postgres.js';
import { countPerKey, entries, inTransaction, rolledBack, uniqueTable, unpublished } from './fixture.js';

/** Every relay a test started: closed after the file even when its test failed (before the pools end). */
const started: OutboxRelay[] = [];
after(() => Promise.all(started.map((r) => r.close())));
const redis = useRedis();
const postgres = usePostgres();

async function relayOn(options: OutboxRelayOptions): Promise<OutboxRelay> {
  const relay = await startOutboxRelay({ logger: silentLogger, ...options });
  started.push(relay);
  return relay;
}

interface Setup {
  readonly pool: pg.Pool;
  readonly outbox: Outbox;
  readonly streamer: RedisStreamer;
  readonly relays: OutboxRelay[];
  start(options?: Partial<OutboxRelayOptions>): Promise<OutboxRelay>;
}

async function setup(): Promise<Setup> {
  const pool = postgres.pool();
  const outbox = new Outbox({ table: uniqueTable() });
  await outbox.migrate(pool);
  const streamer = redis.streamer('outbox-relay');
  const relays: OutboxRelay[] = [];
  return {
    pool,
    outbox,
    streamer,
    relays,
    async start(options = {}) {
      const relay = await relayOn({ db: pool, streamer, table: outbox.table.name, ...options });
      relays.push(relay);
      return relay;
    },
  };
}

async function closeAll(s: Setup): Promise<void> {
  await Promise.all(s.relays.map((r) => r.close()));
}

void describe('outbox relay', () => {
  void it('publishes committed rows, never rolled-back ones, and marks each with its entry id', async () => {
    const s = await setup();
    const channel = uniqueChannel('orders');
    await inTransaction(s.pool, (c) => s.outbox.enqueue(c, channel, new Message('order.created', { n: 1 })));
    await rolledBack(s.pool, (c) => s.outbox.enqueue(c, channel, new Message('order.created', { n: 2 })));
    await inTransaction(s.pool, (c) =>
      s.outbox.enqueue(c, channel, new Message('order.paid', { n: 3 }), { idempotencyKey: 'paid-3' }),
    );
    await s.start({ pollIntervalMs: 50 });
    await waitFor(async () => (await unpublished(s.pool, s.outbox.table.sql)) === 0, 'every row published');
    const stream = await entries(redis.client, channel);
    assert.deepEqual(
      stream.map((e) => [e.fields['name'], e.fields['body'], e.fields['rs-idempotency-key']]),
      [
        ['order.created', '{"n":1}', `outbox:${s.outbox.table.name}:1`],
        ['order.paid', '{"n":3}', 'paid-3'],
      ],
    );
    const { rows } = await s.pool.query<{ id: string; published_id: string }>(
      `SELECT id::text, published_id FROM ${s.outbox.table.sql} ORDER BY id`,
    );
    assert.deepEqual(
      rows.map((r) => r.published_id),
      stream.map((e) => e.id),
    );
    await closeAll(s);
  });

  void it('wakes on the NOTIFY of a commit, long before its poll interval', async () => {
    const s = await setup();
    const channel = uniqueChannel('notify');
    const relay = await s.start({ pollIntervalMs: 600_000 });
    await waitFor(() => relay.getStats().listening, 'the relay listens');
    const started = Date.now();
    await s.outbox.enqueue(s.pool, channel, new Message('ping', 1));
    await waitFor(async () => (await redis.client.xlen(channel)) === 1, 'the entry', 5000);
    assert.ok(Date.now() - started < 5000);
    await closeAll(s);
  });

  void it('polls when told not to LISTEN (a pooler in transaction mode)', async () => {
    const s = await setup();
    const channel = uniqueChannel('poll');
    const relay = await s.start({ listen: false, pollIntervalMs: 50 });
    await s.outbox.enqueue(s.pool, channel, new Message('ping', 1));
    await waitFor(async () => (await redis.client.xlen(channel)) === 1, 'the entry');
    assert.equal(relay.getStats().listening, false);
    await closeAll(s);
  });

  void it('keeps each channel in row order with one relay, over many small rounds', async () => {
    const s = await setup();
    const channels = [uniqueChannel('a'), uniqueChannel('b'), uniqueChannel('c')];
    await s.start({ batchSize: 7, pollIntervalMs: 20 });
    for (let i = 0; i < 60; i++) {
      await inTransaction(s.pool, async (c) => {
        for (let j = 0; j < 5; j++) {
          const seq = i * 5 + j;
          await s.outbox.enqueue(c, channels[seq % 3]!, new Message('step', { seq }));
        }
      });
    }
    await waitFor(async () => (await unpublished(s.pool, s.outbox.table.sql)) === 0, 'every row published', 20_000);
    for (const channel of channels) {
      const seqs = (await entries(redis.client, channel)).map(
        (e) => (JSON.parse(e.fields['body']!) as { seq: number }).seq,
      );
      assert.equal(seqs.length, 100);
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
        `${channel} in order`,
      );
    }
    await closeAll(s);
  });

  void it('two rows with one key on one channel become one entry; both rows name it', async () => {
    const s = await setup();
    const channel = uniqueChannel('keyed');
    await s.outbox.enqueue(s.pool, channel, new Message('order.created', { v: 1 }), { idempotencyKey: 'order-9' });
    await s.outbox.enqueue(s.pool, channel, new Message('order.created', { v: 2 }), { idempotencyKey: 'order-9' });
    await s.start({ pollIntervalMs: 50 });
    await waitFor(async () => (await unpublished(s.pool, s.outbox.table.sql)) === 0, 'both rows published');
    const stream = await entries(redis.client, channel);
    assert.equal(stream.length, 1);
    const { rows } = await s.pool.query<{ published_id: string }>(`SELECT published_id FROM ${s.outbox.table.sql}`);
    assert.deepEqual(
      rows.map((r) => r.published_id),
      [stream[0]!.id, stream[0]!.id],
    );
    await closeAll(s);
  });

  void it('a row that keeps failing ends dead with its attempts and last error; the others go on', async () => {
    const s = await setup();
    const broken = uniqueChannel('broken');
    const fine = uniqueChannel('fine');
    await redis.client.set(broken, 'not a stream'); // XADD on it: WRONGTYPE
    const errors: unknown[] = [];
    const relay = await s.start({
      pollIntervalMs: 20,
      maxAttempts: 3,
      retryBaseMs: 10,
      onError: (e) => errors.push(e),
    });
    await s.outbox.enqueue(s.pool, broken, new Message('x', 1));
    await s.outbox.enqueue(s.pool, fine, new Message('y', 2));
    const table = s.outbox.table.sql;
    await waitFor(async () => {
      const { rows } = await s.pool.query(`SELECT 1 FROM ${table} WHERE dead_at IS NOT NULL`);
      return rows.length === 1;
    }, 'the broken row dead');
    const { rows } = await s.pool.query<{ attempts: number; last_error: string; published_at: Date | null }>(
      `SELECT attempts, last_error, published_at FROM ${table} WHERE channel = $1`,
      [broken],
    );
    assert.equal(rows[0]!.attempts, 3);
    assert.match(rows[0]!.last_error, /WRONGTYPE/);
    assert.equal(rows[0]!.published_at, null);
    assert.equal(await redis.client.xlen(fine), 1);
    assert.deepEqual(errors, [], "the row's failures are not the relay's errors");
    const stats = relay.getStats();
    assert.equal(stats.failedAttempts, 3);
    assert.equal(stats.deadRows, 1);
    const status = await s.outbox.status(s.pool);
    assert.equal(status.dead, 1);
    assert.equal(status.failingRows[0]?.dead, true);
    assert.match(status.failingRows[0]?.lastError ?? '', /WRONGTYPE/);
    // Fixed, and given another chance: published.
    await redis.client.del(broken);
    assert.equal(await s.outbox.requeueDead(s.pool), 1);
    await waitFor(async () => (await redis.client.xlen(broken)) === 1, 'the revived row published');
    await closeAll(s);
  });

  void it('a body the relay streamer refuses fails alone: its channel goes on in order', async () => {
    const s = await setup();
    const channel = uniqueChannel('sizes');
    const small = redis.streamer('outbox-small', { maxMessageBytes: 64 });
    await inTransaction(s.pool, async (c) => {
      await s.outbox.enqueue(c, channel, new Message('a', 1));
      await s.outbox.enqueue(c, channel, new Message('big', 'x'.repeat(100)));
      await s.outbox.enqueue(c, channel, new Message('c', 3));
    });
    const relay = await relayOn({
      db: s.pool,
      streamer: small,
      table: s.outbox.table.name,
      pollIntervalMs: 20,
      maxAttempts: 1,
    });
    await waitFor(async () => (await s.outbox.status(s.pool)).dead === 1, 'the big row dead');
    const names = (await entries(redis.client, channel)).map((e) => e.fields['name']);
    assert.deepEqual(names, ['a', 'c']);
    const [failing] = (await s.outbox.status(s.pool)).failingRows;
    assert.match(failing?.lastError ?? '', /MessageTooLargeError/);
    await relay.close();
    await closeAll(s);
  });

  void it('close() lets the round in flight finish: its rows are marked published', async () => {
    const s = await setup();
    const channel = uniqueChannel('closing');
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    let appended = false;
    const slow = {
      async sendMessages(...args: Parameters<RedisStreamer['sendMessages']>): Promise<string[]> {
        const ids = await s.streamer.sendMessages(...args);
        appended = true;
        await held;
        return ids;
      },
    };
    await s.outbox.enqueueMany(s.pool, channel, [
      { name: 'a', body: 1 },
      { name: 'b', body: 2 },
    ]);
    const relay = await relayOn({
      db: s.pool,
      streamer: slow,
      table: s.outbox.table.name,
      pollIntervalMs: 20,
    });
    await waitFor(() => appended, 'the append');
    let closed = false;
    const closing = relay.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(closed, false, 'close() waits for the round in flight');
    release();
    await closing;
    assert.equal(await unpublished(s.pool, s.outbox.table.sql), 0);
    assert.equal(relay.getStats().running, false);
  });

  void it('stops by itself when its streamer is cleaned up, and on its signal', async () => {
    const s = await setup();
    const own = redis.streamer('outbox-own');
    const relay = await relayOn({ db: s.pool, streamer: own, table: s.outbox.table.name, pollIntervalMs: 20 });
    await own.cleanup();
    await s.outbox.enqueue(s.pool, uniqueChannel('late'), new Message('x', 1));
    await relay.stopped;
    assert.equal(relay.getStats().running, false);
    assert.equal(await unpublished(s.pool, s.outbox.table.sql), 1, 'the row waits for the next relay');

    const controller = new AbortController();
    const second = await s.start({ signal: controller.signal });
    controller.abort();
    await second.stopped;
  });

  void it('deletes published rows after the retention', async () => {
    const s = await setup();
    const relay = await s.start({ pollIntervalMs: 20, retentionMs: 0, cleanupIntervalMs: 100 });
    await s.outbox.enqueueMany(s.pool, uniqueChannel('kept'), [
      { name: 'a', body: 1 },
      { name: 'b', body: 2 },
    ]);
    await waitFor(async () => {
      const { rows } = await s.pool.query(`SELECT 1 FROM ${s.outbox.table.sql}`);
      return rows.length === 0;
    }, 'the published rows deleted');
    assert.equal(relay.getStats().deletedRows, 2);
    await closeAll(s);
  });

  void it('warns about a row older than the idempotency window', async () => {
    const s = await setup();
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (_f: object, m?: string) => void warnings.push(m ?? '') };
    await s.outbox.enqueue(s.pool, uniqueChannel('old'), new Message('x', 1));
    await new Promise((r) => setTimeout(r, 20));
    const relay = await s.start({ pollIntervalMs: 20, publishDedupWindowMs: 5, logger });
    await waitFor(() => relay.getStats().published === 1, 'the row published');
    assert.equal(relay.getStats().staleRows, 1);
    assert.match(warnings.join('\n'), /longer than publishDedupWindowMs \(5 ms\)/);
    await closeAll(s);
  });

  void it('refuses bad options and a missing table before starting', async () => {
    const s = await setup();
    const base = { db: s.pool, streamer: s.streamer };
    await assert.rejects(startOutboxRelay({ ...base, batchSize: 0 }), /option `batchSize` must be an integer from 1/);
    await assert.rejects(startOutboxRelay({ ...base, pollInterval: 5 } as never), /unknown option `pollInterval`/);
    await assert.rejects(startOutboxRelay({ ...base, db: {} as never }), /option `db` must be a node-postgres Pool/);
    await assert.rejects(startOutboxRelay({ ...base, channels: [] }), /option `channels`/);
    await assert.rejects(
      startOutboxRelay({ ...base, db: postgres.pool(1) }),
      /pool of 1 connection\(s\); the relay needs 2/,
    );
    await assert.rejects(startOutboxRelay({ ...base, table: uniqueTable() }), (err: unknown) => {
      assert.equal((err as { sqlState?: string }).sqlState, '42P01');
      return true;
    });
    const counts = await countPerKey(redis.client, uniqueChannel());
    assert.equal(counts.size, 0);
  });
});

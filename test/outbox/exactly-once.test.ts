/**
 * Exactly once, end to end, with real processes: relays in child processes SIGKILLed between the
 * append and the commit of their marks and restarted, two relays on one table, and Redis SIGKILLed
 * and restarted (append-only file, so what it acknowledged survives) under a 10,000-row load. Every
 * committed row must be exactly one entry (counted per idempotency key) and no rolled-back row any.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type pg from 'pg';
import { Message } from '../../src/index.js';
import { Outbox } from '../../src/outbox/index.js';
import { delay, needsPrivateServer, uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { usePostgres } from '../support/postgres.js';
import { killHard, startChild, stopGently, type Child } from '../support/processes.js';
import { countPerKey, entries, inTransaction, rolledBack, uniqueTable, unpublished } from './fixture.js';

const CHILD = new URL('./child-relay.ts', import.meta.url).pathname;
const redis = useRedis({ appendOnly: true });
const postgres = usePostgres();

function relayChild(outbox: Outbox, batch: number, hold = false): Promise<Child> {
  const args = [postgres.url, redis.url, outbox.table.name, String(batch), ...(hold ? ['hold'] : [])];
  return startChild(CHILD, args, 30_000);
}

/**
 * Enqueues `count` committed rows on `channel` in transactions of `perTx`, each followed by a
 * rolled-back one. Every tenth row carries a key of its own (`<writer>-<n>`), the others none.
 */
async function load(
  pool: pg.Pool,
  outbox: Outbox,
  channel: string,
  count: number,
  perTx: number,
  writer = 'w',
): Promise<void> {
  for (let start = 0; start < count; start += perTx) {
    await inTransaction(pool, (c) =>
      outbox.enqueueMany(
        c,
        channel,
        Array.from({ length: Math.min(perTx, count - start) }, (_, i) => {
          const n = start + i;
          return n % 10 === 0
            ? { name: 'keyed', body: { n }, idempotencyKey: `${writer}-${n}` }
            : new Message('row', { n });
        }),
      ),
    );
    await rolledBack(pool, (c) => outbox.enqueue(c, channel, new Message('rolled-back', { start })));
  }
}

/** Every committed row exactly once (by key), none rolled back, each row marked with its entry's id. */
async function assertExactlyOnce(pool: pg.Pool, outbox: Outbox, channel: string, count: number): Promise<void> {
  const { rows } = await pool.query<{ id: string; key: string | null; published_id: string | null }>(
    `SELECT id::text, idempotency_key AS key, published_id FROM ${outbox.table.sql} ORDER BY id`,
  );
  assert.equal(rows.length, count, 'only the committed rows are in the table');
  const stream = await entries(redis.client, channel);
  assert.equal(stream.length, count, 'one entry per committed row');
  const perKey = await countPerKey(redis.client, channel);
  const idOfKey = new Map(stream.map((e) => [e.fields['rs-idempotency-key'], e.id]));
  for (const row of rows) {
    const key = row.key ?? `outbox:${outbox.table.name}:${row.id}`;
    assert.equal(perKey.get(key), 1, `row ${row.id} (${key}) appended exactly once`);
    assert.equal(row.published_id, idOfKey.get(key), `row ${row.id} marked with its entry`);
  }
  assert.ok(!stream.some((e) => e.fields['name'] === 'rolled-back'), 'no rolled-back row reached Redis');
}

void describe('outbox: exactly once with real processes', { skip: needsPrivateServer }, () => {
  void it('relays SIGKILLed between the append and the commit, restarted: each row once', async () => {
    const pool = postgres.pool();
    const outbox = new Outbox({ table: uniqueTable() });
    await outbox.migrate(pool);
    const channel = uniqueChannel('killed');
    await load(pool, outbox, channel, 500, 50);
    const table = outbox.table.sql;

    // 1. The first relay appends 200 rows, then dies before its marks commit.
    const first = await relayChild(outbox, 200, true);
    await waitFor(() => first.output().includes('appended 200'), 'the first append', 30_000);
    assert.equal(await redis.client.xlen(channel), 200);
    await killHard(first);
    assert.equal(await unpublished(pool, table), 500, 'its marks died with it');

    // 2. The next claims those 200 again plus 100 more: the 200 resolve to their entries; it dies too.
    const second = await relayChild(outbox, 300, true);
    await waitFor(() => second.output().includes('appended 300'), 'the second append', 30_000);
    assert.equal(await redis.client.xlen(channel), 300, 'the re-published rows appended nothing');
    await killHard(second);

    // 3. A relay that lives publishes the rest.
    const third = await relayChild(outbox, 200);
    await waitFor(async () => (await unpublished(pool, table)) === 0, 'every row published', 60_000);
    assert.equal(await stopGently(third), 0);
    await assertExactlyOnce(pool, outbox, channel, 500);
  });

  void it('two relays on one table, rows enqueued while they run: each row once', async () => {
    const pool = postgres.pool(8);
    const outbox = new Outbox({ table: uniqueTable() });
    await outbox.migrate(pool);
    const channel = uniqueChannel('two');
    const relays = await Promise.all([relayChild(outbox, 50), relayChild(outbox, 50)]);
    // Four writers at once, 2,000 committed rows in transactions of 10 (and a rolled-back one after each).
    await Promise.all([0, 1, 2, 3].map((w) => load(pool, outbox, channel, 500, 10, `w${w}`)));
    await waitFor(async () => (await unpublished(pool, outbox.table.sql)) === 0, 'every row published', 60_000);
    const published = await Promise.all(
      relays.map(async (relay) => {
        assert.equal(await stopGently(relay), 0);
        const stats = /stats (\{.*\})/.exec(relay.output())?.[1];
        return (JSON.parse(stats ?? '{}') as { published?: number }).published ?? 0;
      }),
    );
    assert.equal(
      published[0]! + published[1]!,
      2000,
      `the relays published ${published.join(' + ')} rows: no row twice`,
    );
    await assertExactlyOnce(pool, outbox, channel, 2000);
  });

  void it('Redis SIGKILLed and restarted under a 10,000-row load: exactly 10,000 entries', async () => {
    const server = redis.server;
    assert.ok(server !== undefined, 'a private redis-server');
    const pool = postgres.pool(8);
    const outbox = new Outbox({ table: uniqueTable() });
    await outbox.migrate(pool);
    const channel = uniqueChannel('restart');
    const relay = await relayChild(outbox, 500);
    // 3,000 rows first; once 2,000 of them are entries, 7,000 more are written and Redis is killed while they
    // are (the relay is publishing them), then restarted: the writers never wait on the relay nor on Redis.
    const first = Promise.all([0, 1].map((w) => load(pool, outbox, channel, 1500, 100, `a${w}`)));
    await waitFor(async () => (await redis.client.xlen(channel).catch(() => 0)) >= 2000, 'a part published', 60_000);
    let written = false;
    const writing = Promise.all([first, ...[0, 1].map((w) => load(pool, outbox, channel, 3500, 100, `b${w}`))]).then(
      () => (written = true),
    );
    await server.kill();
    assert.equal(written, false, 'Redis went down under the load');
    await delay(2000);
    await server.restart();
    await writing;
    await waitFor(async () => (await unpublished(pool, outbox.table.sql)) === 0, 'every row published', 120_000);
    assert.equal(await stopGently(relay), 0);
    await assertExactlyOnce(pool, outbox, channel, 10_000);
  });
});

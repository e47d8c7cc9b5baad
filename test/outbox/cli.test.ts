/**
 * `redis-streamer outbox status`, the built CLI as a child process against a private PostgreSQL:
 * what waits per channel, failing and dead rows, as a table or JSON; usage errors exit 2, an
 * unreachable database exits 1 without printing the URL's password; every run exits by itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Message } from '../../src/index.js';
import { Outbox, type OutboxStatus } from '../../src/outbox/index.js';
import { cli } from '../cli/support.js';
import { usePostgres } from '../support/postgres.js';
import { uniqueTable } from './fixture.js';

const postgres = usePostgres();

async function filledOutbox(): Promise<Outbox> {
  const pool = postgres.pool();
  const outbox = new Outbox({ table: uniqueTable() });
  await outbox.migrate(pool);
  await outbox.enqueueMany(pool, 'orders', [
    { name: 'order.created', body: 1 },
    { name: 'order.created', body: 2 },
    { name: 'order.paid', body: 3 },
  ]);
  await outbox.enqueue(pool, 'payments', new Message('payment.done', 4));
  await outbox.enqueue(pool, 'done', new Message('x', 5));
  const t = outbox.table.sql;
  // What a relay leaves: a published row, a failing one, a dead one.
  await pool.query(`UPDATE ${t} SET published_at = now(), published_id = '1-0' WHERE channel = 'done'`);
  await pool.query(`UPDATE ${t} SET attempts = 2, last_error = 'WRONGTYPE boom' WHERE body::text = '2'`);
  await pool.query(`UPDATE ${t} SET attempts = 10, last_error = 'too large', dead_at = now() WHERE body::text = '3'`);
  return outbox;
}

void describe('redis-streamer outbox status', () => {
  void it('--json: unpublished per channel, the oldest age, failing and dead rows', async () => {
    const outbox = await filledOutbox();
    const args = ['outbox', 'status', '--database-url', postgres.url, '--table', outbox.table.name, '--json'];
    const result = await cli(args);
    assert.equal(result.code, 0, result.stderr);
    const status = JSON.parse(result.stdout) as OutboxStatus;
    assert.equal(status.table, outbox.table.name);
    assert.deepEqual([status.unpublished, status.failing, status.dead], [3, 1, 1]);
    assert.deepEqual(
      status.channels.map((c) => [c.channel, c.unpublished, c.failing, c.dead]),
      [
        ['orders', 2, 1, 1],
        ['payments', 1, 0, 0],
      ],
    );
    assert.ok(status.oldestUnpublishedAgeMs !== null && status.oldestUnpublishedAgeMs >= 0);
    assert.deepEqual(
      status.failingRows.map((r) => [r.name, r.attempts, r.lastError, r.dead]),
      [
        ['order.created', 2, 'WRONGTYPE boom', false],
        ['order.paid', 10, 'too large', true],
      ],
    );
  });

  void it('prints a table, with DATABASE_URL from the environment', async () => {
    const outbox = await filledOutbox();
    const result = await cli(['outbox', 'status', '--table', outbox.table.name], {
      env: { DATABASE_URL: postgres.url },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      new RegExp(`^outbox ${outbox.table.name}: 3 unpublished \\(1 failing\\), 1 dead, oldest `),
    );
    assert.match(result.stdout, /CHANNEL\s+UNPUBLISHED\s+FAILING\s+DEAD\s+OLDEST/);
    assert.match(result.stdout, /order\.paid\s+10\s+dead\s+.*too large/);
  });

  void it('usage errors exit 2; an unreachable database or a missing table exits 1, the password never shown', async () => {
    const noUrl = await cli(['outbox', 'status'], { env: { DATABASE_URL: '' } });
    assert.equal(noUrl.code, 2);
    assert.match(noUrl.stderr, /needs the database: --database-url/);
    const mysql = await cli(['outbox', 'status', '--database-url', 'mysql://u:p@h/db']);
    assert.equal(mysql.code, 2);
    assert.match(mysql.stderr, /must be a postgres:\/\/ or postgresql:\/\/ URL, not mysql:\/\//);
    // A Unix socket without a host, as node-postgres reads it (a WHATWG URL refuses it): tried, not refused.
    const socket = await cli(['outbox', 'status', '--database-url', 'postgres://app@/db?host=/nonexistent/rs-socket']);
    assert.equal(socket.code, 1, socket.stderr);
    assert.match(socket.stderr, /could not connect to the database/);
    const badTable = await cli(['outbox', 'status', '--database-url', postgres.url, '--table', 'Bad Name']);
    assert.equal(badTable.code, 2);
    assert.match(badTable.stderr, /option `table`/);

    const down = await cli(['outbox', 'status', '--database-url', 'postgres://app:s3cret-pw@127.0.0.1:1/db']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /could not connect to the database/);
    assert.doesNotMatch(down.stdout + down.stderr, /s3cret-pw/);

    const missing = await cli(['outbox', 'status', '--database-url', postgres.url, '--table', uniqueTable()]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /does not exist.*outbox\.migrate/);
  });
});

/**
 * Writing into the outbox (a private PostgreSQL): the table and its migration, enqueue inside
 * committed and rolled-back transactions, the NOTIFY delivered at commit, and every message the
 * library's encoder (or the validate hook) refuses failing before its INSERT.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { checkMessage, ConfigError, InvalidMessageError, Message, MessageTooLargeError } from '../../src/index.js';
import { DatabaseError, Outbox } from '../../src/outbox/index.js';
import { usePostgres } from '../support/postgres.js';
import { waitFor } from '../support/harness.js';
import { inTransaction, rolledBack, uniqueTable } from './fixture.js';

const postgres = usePostgres();

async function newOutbox(pool: pg.Pool, options: ConstructorParameters<typeof Outbox>[0] = {}): Promise<Outbox> {
  const outbox = new Outbox({ table: uniqueTable(), ...options });
  await outbox.migrate(pool);
  return outbox;
}

async function rows(pool: pg.Pool, outbox: Outbox): Promise<Record<string, unknown>[]> {
  const result = await pool.query(
    `SELECT id::text, channel, name, body::text AS body, idempotency_key FROM ${outbox.table.sql} ORDER BY id`,
  );
  return result.rows as Record<string, unknown>[];
}

void describe('outbox: the table', () => {
  void it('migrate creates the table and its indexes, and is safe from several callers at once', async () => {
    const pool = postgres.pool();
    const outbox = new Outbox({ table: uniqueTable() });
    await Promise.all([outbox.migrate(pool), outbox.migrate(pool), outbox.migrate(pool)]);
    await outbox.migrate(pool);
    const { rows: indexes } = await pool.query('SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY 1', [
      outbox.table.name,
    ]);
    assert.deepEqual(
      indexes.map((r: { indexname: string }) => r.indexname),
      [`${outbox.table.name}_pkey`, `${outbox.table.name}_published_at_idx`, `${outbox.table.name}_unpublished_idx`],
    );
  });

  void it('schemaSql() is the SQL for your own migration tool, in a schema of your choosing', async () => {
    const pool = postgres.pool();
    const schema = uniqueTable('app');
    await pool.query(`CREATE SCHEMA ${schema}`);
    const outbox = new Outbox({ table: `${schema}.events` });
    assert.match(outbox.schemaSql(), new RegExp(`CREATE TABLE IF NOT EXISTS "${schema}"\\."events"`));
    await pool.query(outbox.schemaSql());
    await outbox.enqueue(pool, 'orders', new Message('order.created', { id: 1 }));
    assert.equal((await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.events`)).rows[0]!.n, 1);
  });

  void it('a bad table name or option is a ConfigError naming it', () => {
    assert.throws(() => new Outbox({ table: 'Outbox' }), /option `table` must be a lower-case SQL name/);
    assert.throws(() => new Outbox({ table: 'a;drop' }), ConfigError);
    assert.throws(() => new Outbox({ table: 'x'.repeat(54) }), ConfigError);
    assert.throws(() => new Outbox({ tableName: 'x' } as never), /unknown option `tableName`/);
    assert.throws(() => new Outbox({ maxMessageBytes: 0 }), /maxMessageBytes/);
    assert.throws(() => new Outbox({ maxMessageBytes: 512 * 1024 * 1024 + 1 }), /at most 536870912/);
    assert.throws(() => new Outbox({ validate: 'zod' as never }), /validate/);
  });

  void it('a missing table is a DatabaseError that says how to create it', async () => {
    const pool = postgres.pool();
    const outbox = new Outbox({ table: uniqueTable() });
    await assert.rejects(outbox.enqueue(pool, 'orders', new Message('x', 1)), (err: unknown) => {
      assert.ok(err instanceof DatabaseError, String(err));
      assert.equal(err.code, 'ERR_DATABASE');
      assert.equal(err.sqlState, '42P01');
      assert.match(err.message, /outbox\.migrate\(db\)/);
      return true;
    });
  });
});

void describe('outbox: enqueue', () => {
  void it('commits with the transaction, stores the body as the encoder writes it, and NOTIFYs at commit', async () => {
    const pool = postgres.pool();
    const outbox = await newOutbox(pool);
    const listener = new pg.Client(postgres.url);
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.channel));
    await listener.query(`LISTEN "${outbox.table.notifyChannel}"`);
    const body = { id: 'A-1', at: new Date(Date.UTC(2024, 0, 2)), note: 'é "q"' };
    let id = '';
    await inTransaction(pool, async (client) => {
      id = await outbox.enqueue(client, 'orders', new Message('order.created', body), { idempotencyKey: 'order-A-1' });
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(heard, [], 'no NOTIFY before the commit');
    });
    await waitFor(() => heard.length === 1, 'the NOTIFY after the commit');
    await listener.end();
    assert.match(id, /^\d+$/);
    assert.deepEqual(await rows(pool, outbox), [
      {
        id,
        channel: 'orders',
        name: 'order.created',
        body: checkMessage(new Message('order.created', body)).body,
        idempotency_key: 'order-A-1',
      },
    ]);
  });

  void it('rolls back with the transaction: the row never exists', async () => {
    const pool = postgres.pool();
    const outbox = await newOutbox(pool);
    await rolledBack(pool, (client) => outbox.enqueue(client, 'orders', new Message('order.created', { id: 2 })));
    assert.deepEqual(await rows(pool, outbox), []);
  });

  void it('enqueueMany writes several rows in one INSERT, ids in order, each with its own key', async () => {
    const pool = postgres.pool();
    const outbox = await newOutbox(pool);
    const ids = await inTransaction(pool, (client) =>
      outbox.enqueueMany(client, 'orders', [
        { name: 'a', body: 1 },
        { name: 'b', body: [2], idempotencyKey: 'k-b' },
        new Message('c', { three: 3 }),
      ]),
    );
    assert.equal(ids.length, 3);
    const stored = await rows(pool, outbox);
    assert.deepEqual(
      stored.map((r) => [r['id'], r['name'], r['body'], r['idempotency_key']]),
      [
        [ids[0], 'a', '1', null],
        [ids[1], 'b', '[2]', 'k-b'],
        [ids[2], 'c', '{"three":3}', null],
      ],
    );
    assert.deepEqual(await outbox.enqueueMany(pool, 'orders', []), []);
  });

  void it('prepare() gives the checked INSERT for clients without query(text, values) (Prisma, Knex)', async () => {
    const pool = postgres.pool();
    const outbox = await newOutbox(pool);
    const { text, values } = await outbox.prepare('orders', new Message('order.paid', { id: 3 }), {
      idempotencyKey: 'p-3',
    });
    assert.deepEqual(
      [...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])),
      values.map((_, i) => i + 1),
      'each placeholder once, in order',
    );
    const result = await pool.query<{ id: string }>(text, values);
    assert.match(result.rows[0]!.id, /^\d+$/);
    assert.equal((await rows(pool, outbox))[0]?.['idempotency_key'], 'p-3');
  });
});

void describe('outbox: a message the encoder refuses never gets a row', () => {
  const refusals: Array<[string, unknown, (err: unknown) => boolean]> = [
    [
      'a Map in the body',
      { items: [new Map()] },
      (e) => e instanceof InvalidMessageError && /body\.items\[0\] is a Map/.test(e.message),
    ],
    ['a BigInt', { n: 1n }, (e) => e instanceof InvalidMessageError],
    [
      'NaN (PostgreSQL json has none)',
      { total: NaN },
      (e) => e instanceof InvalidMessageError && /json column/.test(e.message),
    ],
    ['a body over maxMessageBytes', 'x'.repeat(300), (e) => e instanceof MessageTooLargeError],
  ];
  for (const [what, body, check] of refusals) {
    void it(`refuses ${what} before the INSERT, inside the transaction`, async () => {
      const pool = postgres.pool();
      const outbox = await newOutbox(pool, { maxMessageBytes: 200 });
      await assert.rejects(
        inTransaction(pool, async (client) => {
          await outbox.enqueue(client, 'orders', new Message('ok', 1));
          await outbox.enqueue(client, 'orders', new Message('bad', body));
        }),
        check,
      );
      assert.deepEqual(await rows(pool, outbox), [], 'the transaction rolled back, the good row with it');
    });
  }

  void it('refuses a bad name, channel or idempotency key', async () => {
    const pool = postgres.pool();
    const outbox = await newOutbox(pool);
    await assert.rejects(outbox.enqueue(pool, 'orders', { name: 5, body: {} } as never), InvalidMessageError);
    await assert.rejects(outbox.enqueue(pool, '', new Message('x', 1)), ConfigError);
    await assert.rejects(
      outbox.enqueue(pool, 'orders', new Message('x', 1), { idempotencyKey: '' }),
      InvalidMessageError,
    );
    await assert.rejects(outbox.enqueue(pool, 'orders', null as never), InvalidMessageError);
    await assert.rejects(
      outbox.enqueueMany(pool, 'orders', [
        { name: 'ok', body: 1 },
        { name: 'bad', body: new Set() },
      ]),
      InvalidMessageError,
    );
    assert.deepEqual(await rows(pool, outbox), []);
  });

  void it('runs the validate hook first: it may refuse (an InvalidMessageError) or transform the body', async () => {
    const pool = postgres.pool();
    const seen: unknown[] = [];
    const outbox = await newOutbox(pool, {
      validate: async (channel, name, body) => {
        seen.push([channel, name, body]);
        await Promise.resolve();
        if (name === 'order.refused') throw new Error('total: expected a number');
        return name === 'order.defaulted' ? { ...(body as object), currency: 'EUR' } : undefined;
      },
    });
    await assert.rejects(
      outbox.enqueue(pool, 'orders', new Message('order.refused', { total: 'x' })),
      (err: unknown) => {
        assert.ok(err instanceof InvalidMessageError);
        assert.match(err.message, /validate refused message "order.refused" for "orders": total: expected a number/);
        assert.ok(err.cause instanceof Error);
        return true;
      },
    );
    await outbox.enqueue(pool, 'orders', new Message('order.defaulted', { total: 1 }));
    await outbox.enqueue(pool, 'orders', new Message('order.kept', { total: 2 }));
    assert.deepEqual(
      (await rows(pool, outbox)).map((r) => r['body']),
      ['{"total":1,"currency":"EUR"}', '{"total":2}'],
    );
    assert.deepEqual(seen[0], ['orders', 'order.refused', { total: 'x' }]);
  });
});

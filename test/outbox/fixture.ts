/**
 * Shared by the outbox tests: a table name no other test uses, transactions on a pool, and what a
 * stream holds per idempotency key.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type pg from 'pg';

/** A table name no other test uses. */
export function uniqueTable(prefix = 'outbox'): string {
  return `${prefix}_${randomUUID().slice(0, 8)}`;
}

/** Runs `fn` in a transaction on a connection of `pool`: committed when it resolves, else rolled back. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

/** Runs `fn` in a transaction that is rolled back at the end. */
export async function rolledBack(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<unknown>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await fn(client);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

/** A stream entry's fields as an object. */
export interface Entry {
  readonly id: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** Every entry of a stream, in order. */
export async function entries(redis: Redis, channel: string): Promise<Entry[]> {
  const raw = await redis.xrange(channel, '-', '+');
  return raw.map(([id, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
    return { id, fields };
  });
}

/** How many entries of a stream carry each idempotency key. */
export async function countPerKey(redis: Redis, channel: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { fields } of await entries(redis, channel)) {
    const key = fields['rs-idempotency-key'] ?? '(none)';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Rows of the table not yet published (dead ones included). */
export async function unpublished(pool: pg.Pool, table: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${table} WHERE published_at IS NULL`,
  );
  return rows[0]!.n;
}

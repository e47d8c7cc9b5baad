/**
 * Deleting published rows once they are older than the retention, in slices (each one statement
 * over the index of published rows' time), so a large backlog never holds a long lock.
 */
import { query, type OutboxQueryable } from './db.js';
import type { OutboxTable } from './table.js';

/** Rows deleted per statement. */
const SLICE = 5000;

/**
 * Deletes rows published more than `retentionMs` ago; resolves to how many. Stops between slices
 * when `stopping()` says so.
 */
export async function deletePublished(
  db: OutboxQueryable,
  table: OutboxTable,
  retentionMs: number,
  stopping: () => boolean,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const rows = await query(
      db,
      `deleting published rows of the outbox ${table.name}`,
      `WITH gone AS (DELETE FROM ${table.sql} WHERE id IN (
  SELECT id FROM ${table.sql} WHERE published_at < now() - $1::float8 * interval '1 millisecond'
  ORDER BY published_at LIMIT ${SLICE}) RETURNING 1)
SELECT count(*)::float8 AS n FROM gone`,
      [retentionMs],
    );
    const n = Number(rows[0]?.['n'] ?? 0);
    deleted += n;
    if (n < SLICE || stopping()) return deleted;
  }
}

/**
 * The SQL of one relay round, on one connection: `BEGIN` and the claim in one round trip, then the
 * marks and `COMMIT` in one round trip. Each is one text of several statements, which node-postgres
 * sends in one message (the simple query protocol takes no bound values, so values are written as
 * literals: ids and entry ids are checked digits, error texts are dollar-quoted with a tag they do
 * not contain, so no text can end its literal whatever the server's string settings).
 *
 * The claim takes the oldest rows not yet published, not dead and due, `FOR UPDATE SKIP LOCKED`:
 * another relay skips them until this transaction ends (by COMMIT, or by the connection closing
 * when this process dies, which releases them for the next round of any relay).
 */
import { DatabaseError } from './errors.js';
import { nullableText } from './db.js';
import type { OutboxTable } from './table.js';

/** A claimed row. */
export interface ClaimedRow {
  readonly id: string;
  readonly channel: string;
  readonly name: string;
  /** The body's JSON text. */
  readonly body: string;
  /** The row's own idempotency key, or null. */
  readonly key: string | null;
  /** Failed publishes so far. */
  readonly attempts: number;
  /** How long it has waited, in ms (by the database's clock). */
  readonly ageMs: number;
}

/** A row's failed publish, to record. */
export interface RowFailure {
  readonly id: string;
  /** What to store as last_error. */
  readonly error: string;
  /** When to try again, in ms from now. */
  readonly retryInMs: number;
  /** Whether this was its last attempt. */
  readonly dead: boolean;
}

/**
 * `BEGIN` and the claim of up to `batchSize` rows, oldest first. Sorts and sequential scans are off
 * for the round's transaction (SET LOCAL; the marks run in it too): the planner's estimates of the
 * table are often far off (a table not yet analyzed, a backlog after an outage), and it then sorts
 * the whole backlog, with each row's columns computed, for every claim, and scans the whole table
 * for every mark (measured: 40 ms and 30 ms at 20,000 rows, growing with them); without them it
 * walks the index of unpublished rows in id order and stops after the batch, and marks through the
 * primary key (3 ms and 7 ms): the cost of a round is that of its batch, not of the backlog.
 */
export function claimSql(table: OutboxTable, batchSize: number, channels: readonly string[] | undefined): string {
  const only = channels === undefined ? '' : `\n  AND channel IN (${channels.map(literal).join(', ')})`;
  return `BEGIN;
SET LOCAL enable_sort = off;
SET LOCAL enable_seqscan = off;
SELECT o.id::text AS id, channel, name, body::text AS body, idempotency_key, attempts,
  (extract(epoch FROM now() - created_at) * 1000)::float8 AS age_ms
FROM ${table.sql} AS o
WHERE published_at IS NULL AND dead_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())${only}
ORDER BY o.id LIMIT ${batchSize} FOR UPDATE OF o SKIP LOCKED`;
}

/** The claimed rows of the claim's result, in id order. */
export function claimedRows(rows: readonly Record<string, unknown>[]): ClaimedRow[] {
  return rows.map((r) => ({
    id: String(r['id']),
    channel: String(r['channel']),
    name: String(r['name']),
    body: String(r['body']),
    key: nullableText(r['idempotency_key']),
    attempts: Number(r['attempts']),
    ageMs: Number(r['age_ms']),
  }));
}

/** Marks published rows with their entry ids, records failures, and commits. */
export function settleSql(
  table: OutboxTable,
  published: readonly { readonly id: string; readonly entryId: string }[],
  failed: readonly RowFailure[],
): string {
  const statements: string[] = [];
  if (published.length > 0) {
    const ids = published.map((p) => digits(p.id, /^\d+$/));
    const entries = published.map((p) => digits(p.entryId, /^\d+-\d+$/));
    statements.push(`UPDATE ${table.sql} AS o SET published_at = now(), published_id = v.entry
FROM unnest('{${ids.join(',')}}'::bigint[], '{${entries.join(',')}}'::text[]) AS v(id, entry)
WHERE o.id = v.id AND o.id = ANY('{${ids.join(',')}}'::bigint[])`);
  }
  if (failed.length > 0) {
    const values = failed.map(
      (f) => `(${digits(f.id, /^\d+$/)}::bigint, ${literal(f.error)}, ${Math.round(f.retryInMs)}, ${f.dead})`,
    );
    statements.push(`UPDATE ${table.sql} AS o SET attempts = o.attempts + 1, last_error = v.error,
  next_attempt_at = now() + v.delay * interval '1 millisecond', dead_at = CASE WHEN v.dead THEN now() END
FROM (VALUES ${values.join(',\n  ')}) AS v(id, error, delay, dead)
WHERE o.id = v.id`);
  }
  statements.push('COMMIT');
  return statements.join(';\n');
}

/** A value written into SQL as it is: it must match `shape` (digits, or an entry id). */
function digits(value: string, shape: RegExp): string {
  if (!shape.test(value)) {
    throw new DatabaseError(
      `not a row or entry id: ${JSON.stringify(value)} (a bug in redis-streamer: please report it)`,
      null,
    );
  }
  return value;
}

/**
 * A text literal, dollar-quoted with a tag that first appears in text + tag at its very end (so the
 * text neither contains it nor ends with a prefix of it). NUL bytes are dropped: text cannot hold them.
 */
export function literal(text: string): string {
  const clean = text.replace(/\0/g, '');
  let tag = '$rs$';
  for (let i = 0; (clean + tag).indexOf(tag) !== clean.length; i++) tag = `$rs${i}$`;
  return `${tag}${clean}${tag}`;
}

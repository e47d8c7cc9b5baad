/**
 * The outbox table: its SQL, to apply with your own migration tool, or created by
 * `outbox.migrate(db)`. One row per event; the relay fills the columns after `created_at`.
 */
import { query, type OutboxQueryable } from './db.js';
import type { OutboxTable } from './table.js';

/**
 * The statements that create the table and its two partial indexes: one over the rows not yet
 * published (the relay's claim, the status), one over published rows' time (retention's delete).
 * Idempotent (`IF NOT EXISTS`).
 */
export function schemaSql(table: OutboxTable): string {
  const t = table.sql;
  return `CREATE TABLE IF NOT EXISTS ${t} (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel         text        NOT NULL,  -- the stream the event goes to
  name            text        NOT NULL,  -- the event name (the entry's name field)
  body            json        NOT NULL,  -- the body, as checked and written by the library's encoder
  idempotency_key text,                  -- the key published with it; NULL: 'outbox:<table>:<id>'
  created_at      timestamptz NOT NULL DEFAULT now(),
  attempts        integer     NOT NULL DEFAULT 0,  -- failed publishes of this row
  next_attempt_at timestamptz,           -- after a failure: not retried before this
  last_error      text,                  -- why the last publish of this row failed
  published_at    timestamptz,           -- when the relay marked it published
  published_id    text,                  -- the stream entry id it became
  dead_at         timestamptz            -- given up after maxAttempts failures (see last_error)
);
CREATE INDEX IF NOT EXISTS "${table.bare}_unpublished_idx" ON ${t} (id)
  WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS "${table.bare}_published_at_idx" ON ${t} (published_at)
  WHERE published_at IS NOT NULL;
`;
}

/**
 * Creates the table and its indexes if they do not exist. Safe to run from several processes at
 * once: the statements run as one transaction under an advisory lock named after the table.
 */
export async function migrate(db: OutboxQueryable, table: OutboxTable): Promise<void> {
  // Several statements without values run as one implicit transaction (PostgreSQL's simple query).
  const lock = `SELECT pg_advisory_xact_lock(hashtext(${literal(`redis-streamer outbox ${table.name}`)}));\n`;
  await query(db, `creating the outbox table ${table.name}`, lock + schemaSql(table));
}

/** A string literal that needs no escaping (the text is a checked table name). */
function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * What waits in the outbox table, read from the table itself (so it is true whichever relay runs,
 * or none): unpublished rows per channel and the oldest one's age, rows that failed, dead rows.
 * The `redis-streamer outbox status` command prints it; `renderOutboxPrometheus` exposes it.
 */
import { ConfigError } from '../index.js';
import { nullableText, query, type OutboxQueryable } from './db.js';
import type { OutboxTable } from './table.js';

/** Options of `outbox.status()`. */
export interface OutboxStatusOptions {
  /**
   * How many failing or dead rows to list in `failingRows` (oldest first).
   * @default 20
   */
  readonly failingLimit?: number;
}

/** One channel's rows not yet published. */
export interface OutboxChannelStatus {
  /** The channel. */
  readonly channel: string;
  /** Rows waiting to be published (not dead). */
  readonly unpublished: number;
  /** Of those, rows whose publish failed at least once. */
  readonly failing: number;
  /** Rows given up after `maxAttempts` failures. */
  readonly dead: number;
  /** Age of the oldest waiting row, in ms (by the database's clock), or null when none waits. */
  readonly oldestUnpublishedAgeMs: number | null;
}

/** A row whose publish failed. */
export interface OutboxFailingRow {
  /** The row id. */
  readonly id: string;
  /** Its channel. */
  readonly channel: string;
  /** Its event name. */
  readonly name: string;
  /** Failed publishes. */
  readonly attempts: number;
  /** Why the last one failed. */
  readonly lastError: string | null;
  /** When it was enqueued (ms since the epoch). */
  readonly createdAt: number;
  /** Whether it is dead (no longer retried until `requeueDead`). */
  readonly dead: boolean;
}

/** What `outbox.status()` returns. */
export interface OutboxStatus {
  /** The table. */
  readonly table: string;
  /** Rows waiting to be published, all channels. */
  readonly unpublished: number;
  /** Of those, rows whose publish failed at least once. */
  readonly failing: number;
  /** Dead rows. */
  readonly dead: number;
  /** Age of the oldest waiting row in ms, or null. */
  readonly oldestUnpublishedAgeMs: number | null;
  /** Per channel with waiting or dead rows, by name. */
  readonly channels: readonly OutboxChannelStatus[];
  /** Failing and dead rows, oldest first, at most `failingLimit`. */
  readonly failingRows: readonly OutboxFailingRow[];
}

/** Reads the table's state (two statements over the index of unpublished rows). */
export async function outboxStatus(
  db: OutboxQueryable,
  table: OutboxTable,
  options: OutboxStatusOptions = {},
): Promise<OutboxStatus> {
  const limit = options.failingLimit ?? 20;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new ConfigError('status(): option `failingLimit` must be an integer >= 0');
  }
  const what = `reading the outbox ${table.name}`;
  const perChannel = await query(
    db,
    what,
    `SELECT channel,
  count(*) FILTER (WHERE dead_at IS NULL)::float8 AS unpublished,
  count(*) FILTER (WHERE dead_at IS NULL AND attempts > 0)::float8 AS failing,
  count(*) FILTER (WHERE dead_at IS NOT NULL)::float8 AS dead,
  (extract(epoch FROM now() - min(created_at) FILTER (WHERE dead_at IS NULL)) * 1000)::float8 AS oldest_ms
FROM ${table.sql} WHERE published_at IS NULL GROUP BY channel ORDER BY channel`,
  );
  const failing = await query(
    db,
    what,
    `SELECT o.id::text AS id, channel, name, attempts, last_error, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms,
  dead_at IS NOT NULL AS dead
FROM ${table.sql} AS o WHERE published_at IS NULL AND attempts > 0 ORDER BY o.id LIMIT $1`,
    [limit],
  );
  const channels = perChannel.map(channelStatus);
  const sum = (k: 'unpublished' | 'failing' | 'dead'): number => channels.reduce((n, c) => n + c[k], 0);
  const ages = channels.map((c) => c.oldestUnpublishedAgeMs).filter((a): a is number => a !== null);
  return {
    table: table.name,
    unpublished: sum('unpublished'),
    failing: sum('failing'),
    dead: sum('dead'),
    oldestUnpublishedAgeMs: ages.length === 0 ? null : Math.max(...ages),
    channels,
    failingRows: failing.map(failingRow),
  };
}

function channelStatus(row: Record<string, unknown>): OutboxChannelStatus {
  const oldest = row['oldest_ms'];
  return {
    channel: String(row['channel']),
    unpublished: Number(row['unpublished']),
    failing: Number(row['failing']),
    dead: Number(row['dead']),
    oldestUnpublishedAgeMs: oldest === null ? null : Math.max(0, Math.round(Number(oldest))),
  };
}

function failingRow(row: Record<string, unknown>): OutboxFailingRow {
  return {
    id: String(row['id']),
    channel: String(row['channel']),
    name: String(row['name']),
    attempts: Number(row['attempts']),
    lastError: nullableText(row['last_error']),
    createdAt: Math.round(Number(row['created_ms'])),
    dead: row['dead'] === true,
  };
}

/** Revives dead rows (all, or those of `ids`): attempts from 0 (last_error kept), retried at once; wakes the relay. */
export async function requeueDead(db: OutboxQueryable, table: OutboxTable, ids?: readonly string[]): Promise<number> {
  const list: unknown = ids;
  if (list !== undefined && (!Array.isArray(list) || !list.every((id) => typeof id === 'string' && /^\d+$/.test(id)))) {
    throw new ConfigError('requeueDead(): ids must be an array of row ids (strings of digits)');
  }
  const rows = await query(
    db,
    `requeueing dead rows of the outbox ${table.name}`,
    `WITH revived AS (UPDATE ${table.sql} SET dead_at = NULL, attempts = 0, next_attempt_at = NULL
  WHERE published_at IS NULL AND dead_at IS NOT NULL AND ($1::bigint[] IS NULL OR id = ANY($1::bigint[])) RETURNING 1)
SELECT count(*)::float8 AS n, pg_notify($2, '')::text AS notified FROM revived`,
    [ids === undefined ? null : [...ids], table.notifyChannel],
  );
  return Number(rows[0]?.['n'] ?? 0);
}

/**
 * The relay's options, each with its default, checked once at start: a wrong value is a
 * `ConfigError` naming the option and what it takes.
 */
import {
  ConfigError,
  defaultLogger,
  type BatchPublishOptions,
  type KeyedMessage,
  type Logger,
  type RedisStreamerError,
} from '../index.js';
import type { OutboxPool } from './db.js';
import { outboxTable, type OutboxTable } from './table.js';

/** What the relay publishes through: a `RedisStreamer` (or anything with its `sendMessages` for channel names). */
export interface OutboxPublisher {
  /** `RedisStreamer.sendMessages` for a channel named by its string. */
  sendMessages(channel: string, messages: readonly KeyedMessage[], options?: BatchPublishOptions): Promise<string[]>;
}

/** Options of `startOutboxRelay()`. */
export interface OutboxRelayOptions {
  /** The database: a node-postgres `Pool` (the relay checks out a connection per batch, and one to LISTEN). */
  readonly db: OutboxPool;
  /** Publishes the rows (with one idempotency key per row). The relay stops when it is cleaned up. */
  readonly streamer: OutboxPublisher;
  /**
   * The outbox table, as given to `new Outbox()`.
   * @default 'outbox'
   */
  readonly table?: string;
  /**
   * Rows claimed, published and marked per round (one transaction, one `sendMessages` per channel).
   * @default 1000
   */
  readonly batchSize?: number;
  /**
   * How often (ms) the table is read when no NOTIFY came: the fallback that catches rows inserted
   * without one, rows whose retry time came, and a LISTEN connection that dropped.
   * @default 1000
   */
  readonly pollIntervalMs?: number;
  /**
   * Wake on the NOTIFY each enqueue sends (LISTEN on a connection of its own). `false` polls only
   * (behind a pooler in transaction mode, where LISTEN does not work).
   * @default true
   */
  readonly listen?: boolean;
  /**
   * Failed publishes of one row (a body the streamer refuses, a channel Redis refuses) before the
   * row is dead: kept with its attempts and last error, no longer retried. The relay's own troubles
   * (Redis or the database unreachable) are not counted against rows.
   * @default 10
   */
  readonly maxAttempts?: number;
  /**
   * The first delay (ms) before a failed row is tried again; it doubles with each failure.
   * @default 1000
   */
  readonly retryBaseMs?: number;
  /**
   * The longest delay (ms) before a failed row is tried again.
   * @default 300000 (5 minutes)
   */
  readonly retryMaxMs?: number;
  /**
   * How long (ms) published rows are kept before the relay deletes them; `false` keeps them.
   * @default 86400000 (24 h)
   */
  readonly retentionMs?: number | false;
  /**
   * How often (ms) published rows older than `retentionMs` are deleted.
   * @default 60000
   */
  readonly cleanupIntervalMs?: number;
  /**
   * The streamer's `publishDedupWindowMs`: a row older than this when it is published is reported
   * (with a warning and in `staleRows`), since an earlier publish of it may no longer be remembered.
   * @default 86400000 (24 h, the streamer's default)
   */
  readonly publishDedupWindowMs?: number;
  /**
   * Relay only these channels' rows (a relay per set of channels keeps each channel's order with
   * several relays).
   * @default undefined (every channel)
   */
  readonly channels?: readonly string[];
  /**
   * Where warnings (old rows, dead rows) and errors (retried with backoff) are written.
   * @default defaultLogger (warnings and errors on stderr)
   */
  readonly logger?: Logger;
  /**
   * Told of every error the relay meets and retries (a `DatabaseError`, a `PublishError`...).
   * @default undefined (errors go to the logger only)
   */
  readonly onError?: (error: RedisStreamerError) => void;
  /**
   * Stops the relay when aborted, as `close()` does.
   * @default undefined
   */
  readonly signal?: AbortSignal;
}

/** The options with their defaults. */
export interface ResolvedRelayOptions {
  readonly db: OutboxPool;
  readonly streamer: OutboxPublisher;
  readonly table: OutboxTable;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly listen: boolean;
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly retentionMs: number | false;
  readonly cleanupIntervalMs: number;
  readonly publishDedupWindowMs: number;
  readonly channels: readonly string[] | undefined;
  readonly logger: Logger;
  readonly onError: ((error: RedisStreamerError) => void) | undefined;
  readonly signal: AbortSignal | undefined;
}

const CALL = 'startOutboxRelay()';
const MAX_TIMER_MS = 2 ** 31 - 1;
const KEYS = new Set([
  ...['db', 'streamer', 'table', 'batchSize', 'pollIntervalMs', 'listen', 'maxAttempts', 'retryBaseMs'],
  ...['retryMaxMs', 'retentionMs', 'cleanupIntervalMs', 'publishDedupWindowMs', 'channels', 'logger'],
  ...['onError', 'signal'],
]);

function integer(name: string, value: unknown, fallback: number, min: number, max = MAX_TIMER_MS): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `${CALL}: option \`${name}\` must be an integer from ${min} to ${max}; got ${typeof value === 'number' ? value : typeof value}`,
    );
  }
  return value;
}

function has(value: unknown, methods: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function')
  );
}

/** Checks the options and fills in the defaults. */
export function resolveRelayOptions(options: OutboxRelayOptions): ResolvedRelayOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError(`${CALL} takes an options object, such as { db: pool, streamer }`);
  }
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) throw new ConfigError(`${CALL}: unknown option \`${key}\``);
  }
  const o = options;
  if (!has(o.db, ['query', 'connect'])) {
    throw new ConfigError(`${CALL}: option \`db\` must be a node-postgres Pool (with query() and connect())`);
  }
  if (!has(o.streamer, ['sendMessages'])) throw new ConfigError(`${CALL}: option \`streamer\` must be a RedisStreamer`);
  checkRest(o);
  checkPoolSize(o.db, o.listen ?? true);
  return {
    db: o.db,
    streamer: o.streamer,
    table: outboxTable(o.table, CALL),
    batchSize: integer('batchSize', o.batchSize, 1000, 1, 10_000),
    pollIntervalMs: integer('pollIntervalMs', o.pollIntervalMs, 1000, 10),
    listen: o.listen ?? true,
    maxAttempts: integer('maxAttempts', o.maxAttempts, 10, 1, 1_000_000),
    retryBaseMs: integer('retryBaseMs', o.retryBaseMs, 1000, 1),
    retryMaxMs: integer('retryMaxMs', o.retryMaxMs, 300_000, 1),
    retentionMs: o.retentionMs === false ? false : integer('retentionMs', o.retentionMs, 86_400_000, 0, 2 ** 52),
    cleanupIntervalMs: integer('cleanupIntervalMs', o.cleanupIntervalMs, 60_000, 100),
    publishDedupWindowMs: integer('publishDedupWindowMs', o.publishDedupWindowMs, 86_400_000, 1, 2 ** 52),
    channels: o.channels === undefined ? undefined : [...o.channels],
    logger: o.logger ?? defaultLogger,
    onError: o.onError,
    signal: o.signal,
  };
}

/**
 * A node-postgres pool too small to relay: LISTEN holds one connection for good, and a round needs
 * another (with one, rounds would wait for a connection forever).
 */
function checkPoolSize(db: OutboxPool, listen: boolean): void {
  const max = (db as { options?: { max?: unknown } }).options?.max;
  const needed = listen ? 2 : 1;
  if (typeof max === 'number' && max < needed) {
    throw new ConfigError(
      `${CALL}: option \`db\` is a pool of ${max} connection(s); the relay needs ${needed} (its LISTEN connection and its round's), 3 to overlap batches: give it a pool of its own with max: 3`,
    );
  }
}

/** The options that are not numbers. */
function checkRest(o: OutboxRelayOptions): void {
  if (o.listen !== undefined && typeof o.listen !== 'boolean') {
    throw new ConfigError(`${CALL}: option \`listen\` must be true or false`);
  }
  const channels: unknown = o.channels;
  if (
    channels !== undefined &&
    (!Array.isArray(channels) || channels.length === 0 || !channels.every((c) => typeof c === 'string' && c !== ''))
  ) {
    throw new ConfigError(`${CALL}: option \`channels\` must be a non-empty array of channel names`);
  }
  if (o.logger !== undefined && !has(o.logger, ['debug', 'info', 'warn', 'error'])) {
    throw new ConfigError(`${CALL}: option \`logger\` must have debug, info, warn and error methods`);
  }
  if (o.onError !== undefined && typeof o.onError !== 'function') {
    throw new ConfigError(`${CALL}: option \`onError\` must be a function`);
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw new ConfigError(`${CALL}: option \`signal\` must be an AbortSignal`);
  }
}

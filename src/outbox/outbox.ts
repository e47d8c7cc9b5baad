/**
 * `Outbox`: writing events into the outbox table inside the caller's own transaction, so they
 * commit or roll back with the caller's writes. Each message is checked before its INSERT (see
 * rows.ts); the INSERT also sends a NOTIFY, which PostgreSQL delivers at commit, to wake the relay.
 */
import { ConfigError, type KeyedMessage, type MessageLike } from '../index.js';
import { query, type OutboxQueryable } from './db.js';
import { checkChannel, toRow, type OutboxValidate, type RowRules, type RowValues } from './rows.js';
import { migrate, schemaSql } from './schema.js';
import { outboxStatus, requeueDead, type OutboxStatus, type OutboxStatusOptions } from './status.js';
import { outboxTable, type OutboxTable } from './table.js';

/** Options of `new Outbox()`. */
export interface OutboxOptions {
  /**
   * The table: a lower-case SQL name, optionally with its schema (`app.outbox`). The relay must be
   * given the same.
   * @default 'outbox'
   */
  readonly table?: string;
  /**
   * The largest message (name plus body, UTF-8 bytes) accepted, as the relay's streamer's
   * `maxMessageBytes`: a larger one is refused before its INSERT. At most 536870912 (512 MiB).
   * @default 1048576 (1 MiB)
   */
  readonly maxMessageBytes?: number;
  /**
   * Checks (and may transform) each body before the library's encoder does: a typed channel's
   * schema, say. See {@link OutboxValidate}.
   * @default undefined (the encoder's checks only)
   */
  readonly validate?: OutboxValidate;
}

/** Options of `enqueue`. */
export interface EnqueueOptions {
  /**
   * The key the relay publishes the row with: two rows with one key on one channel become one
   * entry within the streamer's `publishDedupWindowMs` (the second resolves to the first's id).
   * @default undefined (the relay uses `outbox:<table>:<row id>`, unique per row)
   */
  readonly idempotencyKey?: string;
}

/** An INSERT to run with another client (Prisma's `$queryRawUnsafe`, Knex's `raw`...). */
export interface OutboxStatement {
  /** The SQL, with placeholders `$1`, `$2`... each used once, in order. It returns the row ids (`id`). */
  readonly text: string;
  /** The values of the placeholders. */
  readonly values: unknown[];
}

/** Whether a value is an array (without widening a typed array parameter to any[]). */
function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

const OPTION_KEYS = new Set(['table', 'maxMessageBytes', 'validate']);

/** The outbox table, for writers: enqueue in your transaction, create the table, read its state. */
export class Outbox {
  /** The table, checked. */
  readonly table: OutboxTable;
  private readonly rules: RowRules;

  constructor(options: OutboxOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new ConfigError('new Outbox() takes an options object, such as { table: "outbox" }');
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) {
        throw new ConfigError(`new Outbox(): unknown option \`${key}\` (it takes table, maxMessageBytes and validate)`);
      }
    }
    const { maxMessageBytes = 1024 * 1024, validate } = options;
    // At most Redis's largest string by default (512 MiB), as the streamer's option.
    if (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes < 1 || maxMessageBytes > 512 * 1024 * 1024) {
      throw new ConfigError(`new Outbox(): option \`maxMessageBytes\` must be an integer >= 1 and at most 536870912`);
    }
    if (validate !== undefined && typeof validate !== 'function') {
      throw new ConfigError('new Outbox(): option `validate` must be a function (channel, name, body) => body');
    }
    this.table = outboxTable(options.table, 'new Outbox()');
    this.rules = { maxMessageBytes, validate };
  }

  /**
   * Writes one event into the outbox on `client` (a `PoolClient` inside your transaction, so it
   * commits or rolls back with your own writes). Resolves to the row id. A message `sendMessage`
   * would refuse, or `validate` refuses, is rejected before the INSERT (an `InvalidMessageError` or
   * `MessageTooLargeError`: throw it on to roll your transaction back); a failed INSERT is a
   * `DatabaseError`.
   */
  async enqueue(
    client: OutboxQueryable,
    channel: string,
    message: MessageLike,
    options: EnqueueOptions = {},
  ): Promise<string> {
    const { text, values } = await this.prepare(channel, message, options);
    const rows = await query(client, `inserting into the outbox ${this.table.name}`, text, values);
    return (rows[0] as { id: string }).id;
  }

  /** As {@link enqueue} for several events of one channel, in one INSERT; resolves to their ids in order. */
  async enqueueMany(client: OutboxQueryable, channel: string, messages: readonly KeyedMessage[]): Promise<string[]> {
    checkChannel(channel);
    if (isList(messages) && messages.length === 0) return [];
    const { text, values } = await this.prepareMany(channel, messages);
    const rows = await query(client, `inserting into the outbox ${this.table.name}`, text, values);
    return ((rows[0] as { ids: string[] | null }).ids ?? []).map(String);
  }

  /**
   * The checked INSERT of {@link enqueue}, for a client without node-postgres's `query(text,
   * values)`: run it in your transaction (Prisma: `tx.$queryRawUnsafe(text, ...values)`).
   */
  async prepare(channel: string, message: MessageLike, options: EnqueueOptions = {}): Promise<OutboxStatement> {
    checkChannel(channel);
    if (options === null || typeof options !== 'object') {
      throw new ConfigError('enqueue(): its fourth argument must be an options object, such as { idempotencyKey }');
    }
    const row = await toRow(this.rules, channel, message, options.idempotencyKey);
    return {
      text: `WITH row AS (INSERT INTO ${this.table.sql} (channel, name, body, idempotency_key) VALUES ($1, $2, $3::json, $4) RETURNING id)
SELECT id::text AS id, pg_notify($5, '')::text AS notified FROM row`,
      values: [channel, row.name, row.body, row.idempotencyKey, this.table.notifyChannel],
    };
  }

  /** The checked INSERT of {@link enqueueMany}: one row whose `ids` are the row ids, in order. */
  async prepareMany(channel: string, messages: readonly KeyedMessage[]): Promise<OutboxStatement> {
    checkChannel(channel);
    if (!isList(messages)) throw new ConfigError('enqueueMany(): messages must be an array');
    const rows: RowValues[] = [];
    for (const message of messages) rows.push(await toRow(this.rules, channel, message));
    return {
      text: `WITH rows AS (INSERT INTO ${this.table.sql} (channel, name, body, idempotency_key)
  SELECT $1, n, b::json, k FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u(n, b, k, i) ORDER BY i
  RETURNING id)
SELECT (SELECT array_agg(id::text ORDER BY id) FROM rows) AS ids, pg_notify($5, '')::text AS notified`,
      values: [
        channel,
        rows.map((r) => r.name),
        rows.map((r) => r.body),
        rows.map((r) => r.idempotencyKey),
        this.table.notifyChannel,
      ],
    };
  }

  /** The SQL that creates the table and its indexes, for your own migration tool. */
  schemaSql(): string {
    return schemaSql(this.table);
  }

  /** Creates the table and its indexes if they are missing (safe from several processes at once). */
  migrate(db: OutboxQueryable): Promise<void> {
    return migrate(db, this.table);
  }

  /** What waits in the table: unpublished rows, the oldest one's age, failing and dead rows. */
  status(db: OutboxQueryable, options?: OutboxStatusOptions): Promise<OutboxStatus> {
    return outboxStatus(db, this.table, options);
  }

  /**
   * Gives dead rows (all, or those of `ids`) another chance: their attempts start again from 0.
   * Resolves to how many rows were revived.
   */
  requeueDead(db: OutboxQueryable, ids?: readonly string[]): Promise<number> {
    return requeueDead(db, this.table, ids);
  }
}

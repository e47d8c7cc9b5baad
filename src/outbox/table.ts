/**
 * The outbox table's name, checked once, and what is derived from it: the quoted name used in SQL,
 * the NOTIFY channel the relay listens on, and the idempotency key of a row that carries none.
 */
import { ConfigError } from '../index.js';

/** A table name, checked, and the names derived from it. */
export interface OutboxTable {
  /** As given: `outbox`, or `app.outbox` with a schema. */
  readonly name: string;
  /** Quoted for SQL: `"outbox"`, `"app"."outbox"`. */
  readonly sql: string;
  /** The table's own name without its schema, for its indexes' names. */
  readonly bare: string;
  /** The channel of the NOTIFY an enqueue sends and the relay LISTENs to. */
  readonly notifyChannel: string;
}

/** The default table. */
export const DEFAULT_TABLE = 'outbox';

const PART = '[a-z_][a-z0-9_]*';
const NAME = new RegExp(`^${PART}(?:\\.${PART})?$`);
/** A NOTIFY channel is an identifier: at most 63 bytes, `rs_outbox:` included. */
const MAX_NAME = 53;

/** Checks a table name (`call` names the function for the error) and derives its names. */
export function outboxTable(name: unknown, call: string): OutboxTable {
  if (name === undefined) name = DEFAULT_TABLE;
  if (typeof name !== 'string' || !NAME.test(name) || name.length > MAX_NAME) {
    throw new ConfigError(
      `${call}: option \`table\` must be a lower-case SQL name of at most ${MAX_NAME} characters (letters, digits, _), optionally with its schema ("app.outbox"); got ${JSON.stringify(name)}`,
    );
  }
  const parts = name.split('.');
  return {
    name,
    sql: parts.map((p) => `"${p}"`).join('.'),
    bare: parts[parts.length - 1] as string,
    notifyChannel: `rs_outbox:${name}`,
  };
}

/** The idempotency key of a row enqueued without one: unique per table and row id. */
export function derivedKey(table: OutboxTable, id: string): string {
  return `outbox:${table.name}:${id}`;
}

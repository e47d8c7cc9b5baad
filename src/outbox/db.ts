/**
 * What the outbox needs of a PostgreSQL client, typed by its shape so that the public declarations
 * never import `pg`'s: node-postgres's `query(text, values)` for a statement, a pool's `connect()`
 * for the relay's transactions and its LISTEN connection. A `pg.Pool`, a `pg.PoolClient` and a
 * `pg.Client` fit as they are, and so do libraries built on them. Every failure becomes a
 * {@link DatabaseError} that says what was being done.
 */
import { DatabaseError } from './errors.js';

/**
 * Anything that runs a statement as node-postgres does: a `Pool`, a `PoolClient` (inside your
 * transaction), a `Client`. The outbox reads `rows` from what it resolves to.
 */
export interface OutboxQueryable {
  /** Runs `text` with `$1`... bound to `values`. */
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/** A notification received on a LISTEN connection. */
export interface OutboxNotification {
  /** The channel it was sent on. */
  readonly channel: string;
}

/** A connection checked out of a pool (node-postgres's `PoolClient`). */
export interface OutboxPoolClient extends OutboxQueryable {
  /** Gives it back to the pool; `true` (or an error) closes it instead. */
  release(destroy?: boolean | Error): void;
  /** Listens to NOTIFY messages (`notification`) and to the connection's failure (`error`). */
  on(event: 'notification', listener: (message: OutboxNotification) => void): unknown;
  /** Listens to the connection's failure. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Removes a listener added with `on`. */
  removeListener(event: 'notification', listener: (message: OutboxNotification) => void): unknown;
  /** Removes an error listener added with `on`. */
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** A pool of connections (node-postgres's `Pool`): the relay's `db`. */
export interface OutboxPool extends OutboxQueryable {
  /** Checks a connection out; the relay gives it back with `release()`. */
  connect(): Promise<OutboxPoolClient>;
}

/** A text column's value: null as null, anything else as its text. */
export function nullableText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One statement's result: its rows. */
interface Result {
  readonly rows: readonly Record<string, unknown>[];
}

function isResult(value: unknown): value is Result {
  return typeof value === 'object' && value !== null && Array.isArray((value as { rows?: unknown }).rows);
}

/**
 * The rows of each statement `text` ran (one, or several for text holding several statements
 * without values). A reply of another shape is a {@link DatabaseError}: the client is not
 * node-postgres-compatible.
 */
export function resultsOf(reply: unknown, what: string): readonly Result[] {
  const results = Array.isArray(reply) ? (reply as unknown[]) : [reply];
  if (!results.every(isResult)) {
    throw new DatabaseError(
      `${what}: the database client's query() did not resolve to node-postgres results ({ rows: [...] }); give a pg Pool, PoolClient or Client`,
      null,
    );
  }
  return results;
}

/** Runs a statement and returns the rows of its last statement; failures become DatabaseErrors. */
export async function query(
  db: OutboxQueryable,
  what: string,
  text: string,
  values?: unknown[],
): Promise<readonly Record<string, unknown>[]> {
  let reply: unknown;
  try {
    reply = values === undefined ? await db.query(text) : await db.query(text, values);
  } catch (err) {
    throw databaseError(what, err);
  }
  const results = resultsOf(reply, what);
  return (results[results.length - 1] as Result).rows;
}

/**
 * A driver's error as a {@link DatabaseError}: what was being done, what the database said (its
 * message and SQLSTATE), and the hint for a missing table. Never the connection string.
 */
export function databaseError(what: string, err: unknown): DatabaseError {
  if (err instanceof DatabaseError) return err;
  const { code, severity } = (typeof err === 'object' && err !== null ? err : {}) as Record<string, unknown>;
  // The server's errors carry a severity and a SQLSTATE; a socket's carry a Node code (ECONNREFUSED).
  const sqlState = typeof severity === 'string' && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
  const said = err instanceof Error ? err.message : String(err);
  const reason = sqlState === null && typeof code === 'string' ? `${said} (${code})` : said;
  const hint = sqlState === '42P01' ? ': create it with outbox.migrate(db) or apply outbox.schemaSql()' : '';
  return new DatabaseError(`${what} failed: ${reason}${sqlState === null ? '' : ` [${sqlState}]`}${hint}`, sqlState, {
    cause: err,
  });
}

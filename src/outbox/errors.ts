/**
 * The outbox's own error class: a failure of the database the outbox lives in, as one of the
 * library's errors (code `ERR_DATABASE`).
 */
import { RedisStreamerError } from '../index.js';

/**
 * A SQL database used beside Redis (the transactional outbox's PostgreSQL) failed a statement or
 * could not be reached. The message names what was being done and what the database said; it never
 * carries a connection string or a password. `sqlState` is PostgreSQL's SQLSTATE code when the
 * database answered (`42P01`: the table does not exist; `40001`: a serialization failure).
 */
export class DatabaseError extends RedisStreamerError {
  /** The SQLSTATE code the database answered with, or null when it did not answer. */
  readonly sqlState: string | null;

  constructor(message: string, sqlState: string | null, options?: { cause?: unknown }) {
    super('ERR_DATABASE', message, options);
    this.sqlState = sqlState;
  }
}

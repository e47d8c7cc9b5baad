/** The test kit's own error. */
import { RedisStreamerError } from '../index.js';

/**
 * `bus.settled()` gave up: messages were still not handled, retried to their end or dead-lettered
 * when the clock reached the limit (or, on the system clock, the time ran out). `open` lists what
 * was still open; the message says what to check.
 */
export class NotSettledError extends RedisStreamerError {
  constructor(
    message: string,
    /** What was still open, one line each (a group with entries not yet delivered or pending, handlers running). */
    readonly open: readonly string[],
  ) {
    super('ERR_NOT_SETTLED', message);
  }
}

import type { DecodeFailure } from '../errors.js';

/**
 * Why an entry was dead-lettered:
 * - a {@link DecodeFailure} (`missing-name`, `missing-body`, `invalid-json`, `invalid-utf8`,
 *   `too-large`): the entry cannot become a message;
 * - `handler-failed`: a handler threw (at-most-once mode never retries);
 * - `unrecoverable`: a handler threw {@link UnrecoverableError} (at-least-once mode);
 * - `max-attempts`: the entry failed, or was delivered, `maxAttempts` times (at-least-once mode).
 */
export type DeadLetterReason = DecodeFailure | 'handler-failed' | 'unrecoverable' | 'max-attempts';

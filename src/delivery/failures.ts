/**
 * What to do with an entry whose handlers failed, by delivery mode:
 * - at-most-once: dead-letter it (`handler-failed`); it is never retried;
 * - at-least-once: dead-letter it at once for an {@link UnrecoverableError}, after `maxAttempts`
 *   attempts otherwise (`max-attempts`); else leave it pending for a retry with backoff.
 */
import { UnrecoverableError } from '../errors.js';
import type { DeliveryMode } from '../options.js';
import type { DeadLetterReason } from '../events.js';

/** The decision for a failed entry. */
export type FailureDecision =
  { readonly action: 'retry' } | { readonly action: 'dead-letter'; readonly reason: DeadLetterReason };

/** Decides the fate of an entry whose handlers threw `errors` on attempt `attempt`. */
export function decideFailure(
  mode: DeliveryMode,
  attempt: number,
  maxAttempts: number,
  errors: readonly unknown[],
): FailureDecision {
  if (mode === 'at-most-once') return { action: 'dead-letter', reason: 'handler-failed' };
  if (errors.some((e) => e instanceof UnrecoverableError)) return { action: 'dead-letter', reason: 'unrecoverable' };
  if (attempt >= maxAttempts) return { action: 'dead-letter', reason: 'max-attempts' };
  return { action: 'retry' };
}

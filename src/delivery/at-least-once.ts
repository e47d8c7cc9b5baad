/**
 * At-least-once: an entry is acknowledged only after every handler succeeded. A failed entry stays
 * pending and is retried after a backoff (exponential, with jitter, computed here and stored in
 * Redis with its failure record, so a restart keeps the schedule); after `maxAttempts`, or at once
 * for an {@link UnrecoverableError}, it goes to the dead-letter stream atomically with its
 * acknowledgement. Entries not started at shutdown are left pending for a later consumer.
 */
import { backoffDelay } from '../connection/backoff.js';
import { UnrecoverableError, type DecodeError } from '../errors.js';
import type { GroupWriter } from './group-writer.js';
import type { DeliveryStrategy, FailureDecision, Settled, SourceKind } from './strategy.js';

/** The retry policy. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Source of randomness for the jitter. @default Math.random */
  readonly random?: () => number;
}

/** The at-least-once strategy of one group. */
export class AtLeastOnce implements DeliveryStrategy {
  readonly mode = 'at-least-once';
  readonly noAck = false;
  readonly keepsPending = true;
  readonly leavesQueuedOnShutdown = true;

  constructor(
    private readonly writer: GroupWriter,
    private readonly policy: RetryPolicy,
  ) {}

  decide(attempt: number, errors: readonly unknown[]): FailureDecision {
    if (errors.some((e) => e instanceof UnrecoverableError)) return { action: 'dead-letter', reason: 'unrecoverable' };
    if (attempt >= this.policy.maxAttempts) return { action: 'dead-letter', reason: 'max-attempts' };
    const { retryBaseMs, retryMaxMs, random } = this.policy;
    return { action: 'retry', delayMs: backoffDelay(attempt, retryBaseMs, retryMaxMs, random) };
  }

  handled(s: Settled): void {
    this.writer.ack(s.source, s.entry[0], s.attempt > 1);
  }

  skipped(source: SourceKind, ids: readonly string[]): void {
    // Never acknowledged blindly: an entry waiting for a retry stays pending.
    if (ids.length > 0) void this.writer.ackUnlessRetrying(source, ids);
  }

  async failed(s: Settled, decision: FailureDecision, error: Error): Promise<void> {
    if (decision.action === 'retry') await this.writer.scheduleRetry(s, decision.delayMs);
    else await this.writer.deadLetter(s, decision.reason, error, true);
  }

  async undecodable(s: Settled, error: DecodeError): Promise<void> {
    await this.writer.deadLetter(s, error.reason, error, true);
  }

  queuedAcks(source: SourceKind): readonly string[] {
    return this.writer.queuedAcks(source);
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}

/**
 * At-most-once: entries are read with NOACK, so nothing is acknowledged and no pending list grows;
 * within the dedup window no entry reaches the group's handlers twice. A failed entry is not
 * retried: it goes to the dead-letter stream. An entry read by a process that dies before handling
 * it is lost, which this guarantee allows.
 */
import type { DecodeError } from '../errors.js';
import type { GroupWriter } from './group-writer.js';
import type { DeliveryStrategy, FailureDecision, Settled, SourceKind } from './strategy.js';

const DEAD_LETTER: FailureDecision = { action: 'dead-letter', reason: 'handler-failed' };

/** The at-most-once strategy of one group. */
export class AtMostOnce implements DeliveryStrategy {
  readonly mode = 'at-most-once';
  readonly noAck = true;
  readonly keepsPending = false;
  /** Entries read are handed out already: those queued at shutdown are still handled. */
  readonly leavesQueuedOnShutdown = false;

  constructor(private readonly writer: GroupWriter) {}

  decide(): FailureDecision {
    return DEAD_LETTER;
  }

  handled(s: Settled): void {
    // Replayed entries are deleted from the group's replay stream; channel entries need nothing.
    if (s.source === 'replay') this.writer.ack('replay', s.entry[0], false);
  }

  skipped(source: SourceKind, ids: readonly string[]): void {
    if (source === 'replay') for (const id of ids) this.writer.ack('replay', id, false);
  }

  async failed(s: Settled, decision: FailureDecision, error: Error): Promise<void> {
    const reason = decision.action === 'dead-letter' ? decision.reason : 'handler-failed';
    await this.writer.deadLetter(s, reason, error, false);
  }

  async undecodable(s: Settled, error: DecodeError): Promise<void> {
    await this.writer.deadLetter(s, error.reason, error, false);
  }

  queuedAcks(source: SourceKind): readonly string[] {
    return this.writer.queuedAcks(source);
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}

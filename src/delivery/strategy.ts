/**
 * The delivery guarantee of a group, chosen once as an object (at-most-once or at-least-once)
 * instead of flags tested along the consume path. A strategy decides how entries are read and what
 * becomes of an entry after its handlers ran: acknowledged, left for a retry, or dead-lettered.
 */
import type { RawEntry } from '../connection/port.js';
import type { DecodeError } from '../errors.js';
import type { DeadLetterReason } from '../events.js';

/** Which stream of the group an entry came from: the channel, or the group's replay stream. */
export type SourceKind = 'channel' | 'replay';

/** The fate of an entry whose handlers failed. */
export type FailureDecision =
  | { readonly action: 'retry'; readonly delayMs: number }
  | { readonly action: 'dead-letter'; readonly reason: DeadLetterReason };

/** An entry whose handling ended. */
export interface Settled {
  readonly entry: RawEntry;
  readonly source: SourceKind;
  /** The delivery attempt, from 1. */
  readonly attempt: number;
}

/** The delivery guarantee of one group. */
export interface DeliveryStrategy {
  /** Its name. */
  readonly mode: 'at-most-once' | 'at-least-once';
  /** Reads use NOACK: entries never enter the pending list. */
  readonly noAck: boolean;
  /** The group's pending entries are kept moving: leases, retries, reclaim, recovery. */
  readonly keepsPending: boolean;
  /** Entries not started when shutdown begins are left pending for later (else they are handled). */
  readonly leavesQueuedOnShutdown: boolean;
  /** What to do when the handlers of an entry on attempt `attempt` failed with `errors`. */
  decide(attempt: number, errors: readonly unknown[]): FailureDecision;
  /** Every handler succeeded. */
  handled(s: Settled): void;
  /** Entries that need no handling (dtpyfw's ledger had them; a replay meant for another group). */
  skipped(source: SourceKind, ids: readonly string[]): void;
  /** The handlers failed; carries out `decision`. Resolves once it is written. */
  failed(s: Settled, decision: FailureDecision, error: Error): Promise<void>;
  /** The entry cannot become a message. */
  undecodable(s: Settled, error: DecodeError): Promise<void>;
  /** Ids whose acknowledgement is queued and not yet confirmed. */
  queuedAcks(source: SourceKind): readonly string[];
  /** Flushes what is queued and stops writing. */
  close(): Promise<void>;
}

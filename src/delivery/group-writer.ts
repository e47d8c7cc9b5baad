/**
 * The Redis writes that settle a group's entries, for the delivery strategies: batched
 * acknowledgements per source stream, failure records (when a retry is due), and moves to the
 * dead-letter stream. Policy lives in the strategies; this is transport.
 */
import type { RedisPort } from '../connection/port.js';
import { replayKey, replayRetryKey, retryKey } from '../naming.js';
import { scripts } from '../scripts/index.js';
import { AckBuffer } from './acks.js';
import { DeadLetterer, type DeadLetterReporter, type EntrySource } from './dead-letterer.js';
import type { DeadLetterReason } from '../events.js';
import type { Settled, SourceKind } from './strategy.js';

/** Whose entries. */
export interface GroupTarget {
  readonly channel: string;
  readonly group: string;
  readonly consumer: string;
  /** The dead-letter stream's cap; undefined for none. */
  readonly deadLetterMaxLen: number | undefined;
}

/** What the writer reports. */
export interface GroupWriterReporter extends DeadLetterReporter {
  /** An acknowledgement or a failure record could not be written (it is retried or redelivered). */
  writeFailed(err: unknown, phase: 'ack' | 'retry'): void;
}

/** Settles the entries of one group. */
export class GroupWriter {
  private readonly sources: Readonly<Record<SourceKind, EntrySource>>;
  private readonly acks: Readonly<Record<SourceKind, AckBuffer>>;
  private readonly deadLetterer: DeadLetterer;
  private closed = false;

  constructor(
    private readonly port: () => Promise<RedisPort>,
    private readonly target: GroupTarget,
    private readonly report: GroupWriterReporter,
    signal: AbortSignal,
  ) {
    const { channel, group } = target;
    this.sources = {
      channel: { stream: channel, failures: retryKey(channel, group), deleteEntries: false },
      replay: { stream: replayKey(channel, group), failures: replayRetryKey(channel, group), deleteEntries: true },
    };
    const ackError = (err: unknown): void => report.writeFailed(err, 'ack');
    const buffer = (s: EntrySource): AckBuffer =>
      new AckBuffer(port, { stream: s.stream, group, failures: s.failures, deleteEntries: s.deleteEntries }, ackError);
    this.acks = { channel: buffer(this.sources.channel), replay: buffer(this.sources.replay) };
    this.deadLetterer = new DeadLetterer(
      port,
      { channel, group, consumer: target.consumer, maxLen: target.deadLetterMaxLen },
      report,
      signal,
    );
  }

  /** The stream and failure records of a source. */
  source(kind: SourceKind): EntrySource {
    return this.sources[kind];
  }

  /** Queues an acknowledgement (batched per event-loop turn). */
  ack(kind: SourceKind, id: string, retried: boolean): void {
    if (!this.closed) this.acks[kind].add(id, retried);
  }

  /** Ids whose acknowledgement is queued or being sent. */
  queuedAcks(kind: SourceKind): readonly string[] {
    return this.acks[kind].queued;
  }

  /** Acknowledges entries that need no handling, except those waiting for a retry. */
  async ackUnlessRetrying(kind: SourceKind, ids: readonly string[]): Promise<void> {
    const s = this.sources[kind];
    try {
      await scripts.ackUnlessRetrying.run(await this.port(), [s.stream, s.failures], [this.target.group, ...ids]);
    } catch (err) {
      this.report.writeFailed(err, 'ack');
    }
  }

  /**
   * Records a failure and when the retry is due; the sweep retries it then. Resolves to false when
   * the entry was taken over by another consumer (nothing written).
   */
  async scheduleRetry(s: Settled, delayMs: number): Promise<boolean> {
    const source = this.sources[s.source];
    const { group, consumer } = this.target;
    try {
      const first = await scripts.noteFailure.run(
        await this.port(),
        [source.stream, source.failures],
        [group, consumer, s.entry[0], delayMs],
      );
      return first !== null;
    } catch (err) {
      // Not recorded: the entry stays pending and is taken over after claimIdleMs instead.
      this.report.writeFailed(err, 'retry');
      return false;
    }
  }

  /** Moves an entry to the dead-letter stream (acknowledging it with `ack`). */
  deadLetter(s: Settled, reason: DeadLetterReason, error: unknown, ack: boolean): Promise<boolean> {
    return this.deadLetterer.move({
      entry: s.entry,
      source: this.sources[s.source],
      reason,
      error,
      attempts: s.attempt,
      ack,
    });
  }

  /** Flushes acknowledgements and stops writing them. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.acks.channel.close(), this.acks.replay.close()]);
  }
}

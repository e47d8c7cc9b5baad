/**
 * Moving entries of one group to the channel's dead-letter stream (`{channel}:dlq`, in the
 * channel's cluster slot), atomically with their acknowledgement (dead-letter-3.lua). While Redis
 * is unreachable a move is retried for a while, but never past shutdown.
 */
import type { RawEntry, RedisPort } from '../connection/port.js';
import { DeadLetterError, toError } from '../errors.js';
import type { DeadLetterEvent, DeadLetterReason } from '../events.js';
import { deadLetterKey } from '../naming.js';
import { scripts } from '../scripts/index.js';
import { sleep } from '../timers.js';

/** How long moving an entry is retried while Redis is unreachable. */
const RETRY_FOR_MS = 10_000;

/** Whose entries, and how they are read. */
export interface DeadLetterTarget {
  readonly channel: string;
  readonly group: string;
  readonly consumer: string;
  /** The dead-letter stream's cap (older records are dropped beyond it); undefined for none. */
  readonly maxLen: number | undefined;
}

/** Where an entry came from: the stream it was read from and its failure records. */
export interface EntrySource {
  /** The stream (the channel, or the group's replay stream). */
  readonly stream: string;
  /** The group's failure records for that stream. */
  readonly failures: string;
  /** Whether the entry is deleted from its stream once dead-lettered (a replay stream). */
  readonly deleteEntries: boolean;
}

/** One entry to move. */
export interface DeadLetterRequest {
  readonly entry: RawEntry;
  readonly source: EntrySource;
  readonly reason: DeadLetterReason;
  readonly error: unknown;
  readonly attempts: number;
  /** Acknowledge it in the same step (false when it was read with NOACK). */
  readonly ack: boolean;
}

/** What the dead-letterer reports. */
export interface DeadLetterReporter {
  /** An entry was moved (emits the event, calls the hook, counts). */
  moved(event: DeadLetterEvent): void;
  /** The cap dropped old dead letters. */
  dropped(count: number): void;
  /** A move failed for good. */
  error(err: DeadLetterError): void;
}

/** Moves entries of one group to the dead-letter stream. */
export class DeadLetterer {
  private readonly key: string;

  constructor(
    private readonly port: () => Promise<RedisPort>,
    private readonly target: DeadLetterTarget,
    private readonly report: DeadLetterReporter,
    /** Aborted on shutdown: a move waiting to be retried gives up. */
    private readonly signal: AbortSignal,
  ) {
    this.key = deadLetterKey(target.channel);
  }

  /**
   * Moves one entry. Resolves to whether it was written: false when, with `ack`, the entry is no
   * longer pending for this consumer (taken over, or moved by an earlier identical call), or when
   * it could not be written before giving up (reported as an error).
   */
  async move(req: DeadLetterRequest): Promise<boolean> {
    const giveUpAt = Date.now() + RETRY_FOR_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.write(req);
      } catch (err) {
        if (Date.now() >= giveUpAt || this.signal.aborted) {
          const fate = req.ack ? 'it stays pending and will be retried' : 'it is lost (at-most-once)';
          const message = `could not dead-letter entry ${req.entry[0]} (${req.reason}); ${fate}: ${toError(err).message}`;
          this.report.error(new DeadLetterError(message, { cause: err }));
          return false;
        }
        await sleep(Math.min(1000, 100 * attempt), this.signal);
      }
    }
  }

  private async write(req: DeadLetterRequest): Promise<boolean> {
    const { channel, group, consumer, maxLen } = this.target;
    const { message, stack } = describeError(req.error);
    const [id, fields] = req.entry;
    const reply = await scripts.deadLetter.run(
      await this.port(),
      [req.source.stream, this.key, req.source.failures],
      [
        group,
        id,
        channel,
        consumer,
        req.reason,
        message,
        stack,
        req.attempts,
        req.ack ? '1' : '0',
        maxLen ?? '',
        req.source.deleteEntries ? '1' : '0',
        ...fields,
      ],
    );
    if (reply === null) return false;
    const [deadLetterId, dropped] = reply;
    if (dropped > 0) this.report.dropped(dropped);
    this.report.moved({
      channel,
      id: req.source.deleteEntries ? (replayOf(fields) ?? id) : id,
      group,
      reason: req.reason,
      error: message,
      attempts: req.attempts,
      deadLetterStream: this.key,
      deadLetterId,
      fields: metadataOf(fields),
    });
    return true;
  }
}

/** An entry's fields other than name and body (as decoding keeps them: a repeated field's last value). */
function metadataOf(fields: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const key = fields[i] as string;
    if (key !== 'name' && key !== 'body') out[key] = fields[i + 1] as string;
  }
  return out;
}

/** A replayed entry's original id in the channel (its `rs-replay-of` field). */
function replayOf(fields: readonly string[]): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'rs-replay-of') return fields[i + 1];
  return undefined;
}

function describeError(error: unknown): { message: string; stack: string } {
  if (error instanceof Error) return { message: error.message, stack: error.stack ?? '' };
  return { message: toError(error).message, stack: '' };
}

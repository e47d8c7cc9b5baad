/**
 * Batched acknowledgements. Ids acknowledged during one turn of the event loop go out together on
 * the shared command connection, overlapping the channel loop's next read: one round trip per
 * batch, not per message. A failed acknowledgement keeps its ids and is retried; an entry whose
 * acknowledgement never lands stays pending and is delivered again, which at-least-once allows.
 *
 * Entries read for the first time from the channel are acknowledged with a plain XACK; entries that
 * succeeded after a retry also lose their failure record, and entries of a replay stream are
 * deleted with it (ack-2.lua): each in one step.
 */
import type { RedisPort } from '../connection/port.js';
import { backoffDelay } from '../connection/backoff.js';
import { scripts } from '../scripts/index.js';
import { cancellableSleep } from '../timers.js';

/** Where the acknowledgements of one stream go. */
export interface AckTarget {
  /** The stream the entries were read from. */
  readonly stream: string;
  /** The group. */
  readonly group: string;
  /** The group's failure records for that stream. */
  readonly failures: string;
  /** Delete acknowledged entries (a replay stream, whose entries exist for one group only). */
  readonly deleteEntries: boolean;
}

/** Collects acknowledgements for one group on one stream and flushes them in batches. */
export class AckBuffer {
  private plain: string[] = [];
  private bookkept: string[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private inFlight: Promise<void> | undefined;
  private closed = false;
  private sending: readonly string[] = [];

  constructor(
    private readonly port: () => Promise<RedisPort>,
    private readonly target: AckTarget,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Entries not yet acknowledged in Redis. */
  get size(): number {
    return this.plain.length + this.bookkept.length;
  }

  /** Their ids, including those being sent right now. */
  get queued(): readonly string[] {
    return [...this.plain, ...this.bookkept, ...this.sending];
  }

  /** Queues an acknowledgement; `retried` also clears the entry's failure record. */
  add(id: string, retried: boolean): void {
    if (this.closed) return;
    (retried || this.target.deleteEntries ? this.bookkept : this.plain).push(id);
    if (!this.scheduled && this.timer === undefined) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
  }

  /** Sends what is queued; resolves when that attempt ended (it never rejects). */
  flush(): Promise<void> {
    if (this.inFlight !== undefined) return this.inFlight.then(() => this.flush());
    if (this.size === 0) return Promise.resolve();
    const plain = this.plain;
    const bookkept = this.bookkept;
    this.plain = [];
    this.bookkept = [];
    this.sending = [...plain, ...bookkept];
    this.inFlight = this.send(plain, bookkept).finally(() => {
      this.inFlight = undefined;
      this.sending = [];
    });
    return this.inFlight;
  }

  private async send(plain: string[], bookkept: string[]): Promise<void> {
    const { stream, group, failures, deleteEntries } = this.target;
    try {
      const port = await this.port();
      const sends: Array<Promise<unknown>> = [];
      if (plain.length > 0) sends.push(port.xack(stream, group, plain));
      if (bookkept.length > 0) {
        sends.push(scripts.ack.run(port, [stream, failures], [group, deleteEntries ? '1' : '0', ...bookkept]));
      }
      await Promise.all(sends);
      this.failures = 0;
    } catch (err) {
      this.plain.push(...plain);
      this.bookkept.push(...bookkept);
      this.failures++;
      this.onError(err);
      if (this.timer === undefined && !this.closed) {
        this.timer = setTimeout(
          () => {
            this.timer = undefined;
            void this.flush();
          },
          backoffDelay(this.failures, 100, 2000),
        );
      }
    }
  }

  /**
   * Flushes, retrying a few times within `deadlineMs`, and stops for good: later acknowledgements
   * are not sent (their entries stay pending and are delivered again).
   */
  async close(deadlineMs = 3000): Promise<void> {
    this.closed = true;
    const giveUp = Date.now() + deadlineMs;
    for (let i = 0; i < 3 && this.size > 0 && Date.now() < giveUp; i++) {
      if (this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      const timeout = cancellableSleep(Math.max(0, giveUp - Date.now()));
      await Promise.race([this.flush(), timeout.done]);
      timeout.cancel();
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

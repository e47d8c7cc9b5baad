/**
 * Batched acknowledgements (at-least-once). Ids acknowledged during one turn of the event loop go
 * out as one XACK on the shared command connection, overlapping the channel loop's next read: one
 * round trip per batch, not per message. A failed XACK keeps its ids and is retried; an entry whose
 * acknowledgement never lands stays pending and is redelivered, which at-least-once allows.
 */
import type { RedisPort } from '../connection/port.js';
import { backoffDelay } from '../connection/backoff.js';
import { retryKey } from '../naming.js';
import { scripts } from '../scripts/index.js';
import { sleep } from '../timers.js';

/** Collects acknowledgements for one group and flushes them in batches. */
export class AckBuffer {
  private plain: string[] = [];
  private retried: string[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private inFlight: Promise<void> | undefined;
  private closed = false;
  private sending: readonly string[] = [];

  constructor(
    private readonly port: () => Promise<RedisPort>,
    private readonly channel: string,
    private readonly group: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Entries not yet acknowledged in Redis. */
  get size(): number {
    return this.plain.length + this.retried.length;
  }

  /** Their ids, including those being sent right now. */
  get queued(): readonly string[] {
    return [...this.plain, ...this.retried, ...this.sending];
  }

  /** Queues an acknowledgement; `wasRetried` also clears the entry's failure record. */
  add(id: string, wasRetried: boolean): void {
    if (this.closed) return;
    (wasRetried ? this.retried : this.plain).push(id);
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
    const retried = this.retried;
    this.plain = [];
    this.retried = [];
    this.sending = [...plain, ...retried];
    this.inFlight = this.send(plain, retried).finally(() => {
      this.inFlight = undefined;
      this.sending = [];
    });
    return this.inFlight;
  }

  private async send(plain: string[], retried: string[]): Promise<void> {
    try {
      const port = await this.port();
      const sends: Array<Promise<unknown>> = [];
      if (plain.length > 0) sends.push(port.xack(this.channel, this.group, plain));
      if (retried.length > 0) {
        sends.push(
          port.runScript(
            scripts.ackRetried,
            [this.channel, retryKey(this.channel, this.group)],
            [this.group, ...retried],
          ),
        );
      }
      await Promise.all(sends);
      this.failures = 0;
    } catch (err) {
      this.plain.push(...plain);
      this.retried.push(...retried);
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
      const timeout = new AbortController();
      await Promise.race([this.flush(), sleep(Math.max(0, giveUp - Date.now()), timeout.signal)]);
      timeout.abort();
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

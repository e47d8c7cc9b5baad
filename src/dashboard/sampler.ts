/**
 * The sampler: every `refreshMs`, reads every channel through the Inspector and records the figures
 * in the history. Reads are coalesced: callers asking while a read runs share it, so however many
 * pages are open, Redis sees at most one sweep at a time.
 */
import type { ChannelInfo, Inspector } from '../inspect/inspector.js';
import type { Logger } from '../logger.js';
import type { History } from './history.js';

/** At most this many channels are read per sweep (the first ones, sorted by name). */
export const MAX_CHANNELS = 1000;

/** Channels read at once within a sweep (they are pipelined on the Inspector's connection). */
const BATCH = 50;

/** The result of one sweep. */
export interface Snapshot {
  /** When it was taken (ms since the epoch). */
  readonly at: number;
  /** The channels, sorted by name. */
  readonly channels: readonly ChannelInfo[];
  /** How many channels exist (more than `channels.length` when capped at {@link MAX_CHANNELS}). */
  readonly total: number;
}

/** Reads every channel on a timer, records the history, and shares reads between callers. */
export class Sampler {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<Snapshot> | undefined;
  private last: Snapshot | undefined;
  private lastError: string | undefined;
  private stopped = false;

  constructor(
    private readonly inspector: Inspector,
    private readonly history: History,
    private readonly refreshMs: number,
    private readonly logger: Logger,
  ) {}

  /** Takes a first sample now, then one every `refreshMs`. */
  start(): void {
    this.tick();
  }

  /** The last error of a timed sweep, undefined after a sweep that succeeded. */
  get error(): string | undefined {
    return this.lastError;
  }

  /** The newest snapshot when it is at most `maxAgeMs` old, else a new sweep (shared with any running one). */
  async recent(maxAgeMs: number): Promise<Snapshot> {
    const last = this.last;
    if (last !== undefined && Date.now() - last.at <= maxAgeMs) return last;
    return this.sweep();
  }

  /** A sweep of every channel; joins the one running, if any. */
  sweep(): Promise<Snapshot> {
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * Stops the timer. A sweep still running is not waited for (it ends with the Inspector's
   * connection) and records nothing.
   */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.catch(() => {});
  }

  private tick(): void {
    void this.sample().finally(() => {
      if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.refreshMs);
    });
  }

  /** One timed sweep, recorded in the history; a failure is logged once until a sweep succeeds. */
  private async sample(): Promise<void> {
    if (this.stopped) return;
    try {
      const snapshot = await this.sweep();
      if (this.stopped) return;
      this.history.record(snapshot.at, snapshot.channels);
      if (this.lastError !== undefined) this.logger.info({}, 'dashboard: sampling works again');
      this.lastError = undefined;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (this.lastError === undefined) this.logger.warn({ err }, `dashboard: sampling failed: ${message}`);
      this.lastError = message;
    }
  }

  private async read(): Promise<Snapshot> {
    const names = await this.inspector.channels();
    const wanted = names.slice(0, MAX_CHANNELS);
    const channels: ChannelInfo[] = [];
    for (let i = 0; i < wanted.length; i += BATCH) {
      const batch = wanted.slice(i, i + BATCH);
      channels.push(...(await Promise.all(batch.map((name) => this.inspector.channel(name)))));
    }
    const snapshot: Snapshot = { at: Date.now(), channels, total: names.length };
    this.last = snapshot;
    return snapshot;
  }
}

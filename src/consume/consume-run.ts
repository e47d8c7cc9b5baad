/**
 * One run of `persistConsume`: it checks that Redis answers, then supervises one consume loop per
 * subscribed channel (restarting a loop that ended unexpectedly, with backoff) until it is stopped.
 * Stopping ends every loop (in-flight handlers finish) and then resolves `done`.
 */
import { backoffDelay } from '../connection/backoff.js';
import { ConfigError, ConsumeError } from '../errors.js';
import type { ErrorContext } from '../events.js';
import type { ResolvedConsumeOptions } from '../options.js';
import { abortOwn, cancellableSleep, sleep, systemClock, type Clock } from '../timers.js';

/** A channel's consume loop, as the run sees it. */
export interface ChannelLoop {
  /** Runs until stopped; resolves once shut down. */
  run(): Promise<void>;
  /** Asks it to stop. */
  stop(): void;
}

/** What a run needs from the streamer. */
export interface ConsumeRunDeps {
  /** Resolves once Redis answers; rejects with the reason it cannot be reached or logged into. */
  readonly connect: () => Promise<void>;
  /** Creates the loop of one channel. */
  readonly loopFor: (channel: string) => ChannelLoop;
  /** The channels subscribed when the run starts (more may be added with {@link ConsumeRun.add}). */
  readonly channels: () => readonly string[];
  /** Starts and stops the maintenance timers. */
  readonly maintenance: { start(): void; stop(): Promise<void> };
  readonly report: (err: unknown, context: ErrorContext) => void;
  /** Called when the run's abort signal fires (the streamer then stops consuming). */
  readonly onAbort: () => void;
  /** Called once every loop has shut down (closes what the loops shared). */
  readonly afterLoops: () => Promise<void>;
  /** The clock the restart backoff runs on. @default the system clock */
  readonly clock?: Clock;
}

/** Extra time a blocking read gets before its connection is presumed hung (see ReadConnection). */
const GRACE_MS = 1000;

/**
 * Refuses run options that cannot work: a group is live while a consumer reads at least every
 * blockMs, so staleGroupMs must be longer, with room for the watchdog.
 */
export function checkRunOptions(consume: ResolvedConsumeOptions, staleGroupMs: number): void {
  if (staleGroupMs <= consume.blockMs + 2 * GRACE_MS) {
    throw new ConfigError(
      `staleGroupMs (${staleGroupMs}) must exceed blockMs (${consume.blockMs}) + 2 s: live groups would look stale`,
    );
  }
}

/** How long stopping waits for a maintenance run stuck on an unreachable Redis. */
const MAINTENANCE_STOP_MS = 2000;

/** One `persistConsume` run. */
export class ConsumeRun {
  /** Resolves when the run has stopped; rejects when the first connection to Redis failed. */
  readonly done: Promise<void>;
  private readonly abort = new AbortController();
  private readonly supervisors = new Map<string, Promise<void>>();
  private readonly loops = new Map<string, ChannelLoop>();
  /** Per channel, aborted when it is removed (its supervisor then stops restarting it). */
  private readonly channelStops = new Map<string, AbortController>();
  /** Channels subscribed again while being removed. */
  private readonly readded = new Set<string>();
  private started = false;

  constructor(
    /** The options it runs with (a second `persistConsume` must ask for the same). */
    readonly options: ResolvedConsumeOptions,
    readonly signal: AbortSignal | undefined,
    private readonly deps: ConsumeRunDeps,
  ) {
    this.done = this.main();
    if (signal !== undefined) {
      const onAbort = (): void => deps.onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      const unlisten = (): void => signal.removeEventListener('abort', onAbort);
      this.done.then(unlisten, unlisten);
    }
  }

  /** Whether a second `persistConsume(options)` asks for this very run. */
  sameAs(options: ResolvedConsumeOptions, signal: AbortSignal | undefined): boolean {
    const keys = Object.keys(options) as Array<keyof ResolvedConsumeOptions>;
    return signal === this.signal && keys.every((key) => options[key] === this.options[key]);
  }

  /** Whether stopping was asked for. */
  get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  /** Starts consuming a channel subscribed while the run goes on. */
  add(channel: string): void {
    if (!this.started || this.stopping) return;
    if (this.channelStops.get(channel)?.signal.aborted === true) {
      this.readded.add(channel); // being removed: started again once its loop has shut down
      return;
    }
    if (this.supervisors.has(channel)) return;
    const stop = new AbortController();
    this.channelStops.set(channel, stop);
    this.supervisors.set(channel, this.supervise(channel, stop.signal));
  }

  /** Stops consuming a channel that was unsubscribed; resolves once its loop has shut down. */
  async remove(channel: string): Promise<void> {
    const supervisor = this.supervisors.get(channel);
    if (supervisor === undefined) return;
    const stop = this.channelStops.get(channel);
    if (stop !== undefined) abortOwn(stop); // also ends a restart backoff in progress
    this.loops.get(channel)?.stop();
    await supervisor;
    this.supervisors.delete(channel);
    this.loops.delete(channel);
    this.channelStops.delete(channel);
    // Subscribed again while the old loop was shutting down: start it again now.
    if (this.readded.delete(channel)) this.add(channel);
  }

  /** Stops every loop and the maintenance; resolves with {@link done}'s settlement ignored. */
  async stop(): Promise<void> {
    abortOwn(this.abort);
    await this.done.catch(() => {});
  }

  private async main(): Promise<void> {
    const stopped = new Promise<void>((resolve) =>
      this.abort.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    // The first connection is checked before anything starts: a wrong password or an unreachable
    // server rejects the run at once instead of retrying forever in the background.
    const connected = this.deps.connect();
    connected.catch(() => {}); // observed by the race, or moot when the run was stopped first
    await Promise.race([connected, stopped]);
    if (this.stopping) return;
    this.started = true;
    this.deps.maintenance.start();
    for (const channel of this.deps.channels()) this.add(channel);
    await stopped;
    for (const loop of this.loops.values()) loop.stop();
    const timeout = cancellableSleep(MAINTENANCE_STOP_MS);
    await Promise.all([...this.supervisors.values(), Promise.race([this.deps.maintenance.stop(), timeout.done])]);
    timeout.cancel();
    await this.deps.afterLoops();
  }

  private async supervise(channel: string, removed: AbortSignal): Promise<void> {
    const ended = (): boolean => this.stopping || removed.aborted;
    const clock = this.deps.clock ?? systemClock;
    let restarts = 0;
    while (!ended()) {
      if (restarts > 0) {
        const err = new ConsumeError(`the loop of channel "${channel}" ended unexpectedly; restarting it`);
        this.deps.report(err, { phase: 'consume', channel });
        await sleep(backoffDelay(restarts, 500, 30_000), AbortSignal.any([this.abort.signal, removed]), clock);
        if (ended()) break;
      }
      const started = clock.now();
      try {
        const loop = this.deps.loopFor(channel);
        this.loops.set(channel, loop);
        await loop.run();
      } catch (err) {
        this.deps.report(err, { phase: 'consume', channel });
      }
      // A loop that ran a good while before it ended starts its backoff over.
      restarts = clock.now() - started > HEALTHY_RUN_MS ? 1 : restarts + 1;
    }
  }
}

/** A loop that ran this long is healthy: its next unexpected end restarts it without a long wait. */
const HEALTHY_RUN_MS = 60_000;

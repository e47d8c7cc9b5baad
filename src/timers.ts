/**
 * Timers the library owns: every one is cleared by its owner on shutdown, so a process using the
 * library exits by itself after `cleanup()`. The timers that govern delivery (retries, reclaim,
 * backoffs, maintenance, the read watchdog) run on a {@link Clock}: the system's by default, the
 * test kit's manual one under `redis-streamer/testing`.
 */

/**
 * The time and the timers a streamer's delivery runs on, given by its transport
 * (`Transport.clock`). The test kit gives one that a test moves by hand, so retries and backoffs
 * happen without waiting. A custom clock must call each timer's `fire` once, at or after its due
 * time, and never after it was cancelled.
 */
export interface Clock {
  /** The current time, in ms since the epoch (as `Date.now()`). */
  now(): number;
  /** Calls `fire` once, `delayMs` from now; returns a function that cancels it. */
  setTimer(delayMs: number, fire: () => void): () => void;
}

/** The system clock: `Date.now()` and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, fire) {
    const timer = setTimeout(fire, Math.max(0, delayMs));
    return () => clearTimeout(timer);
  },
};

/**
 * Resolves after `ms` on `clock`, or at once when `signal` aborts. Leaves no timer or listener
 * behind.
 */
export function sleep(ms: number, signal?: AbortSignal, clock: Clock = systemClock): Promise<void> {
  if (ms <= 0 || signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const cancel = clock.setTimer(ms, done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * A sleep of `ms` on `clock` that `cancel()` ends at once (resolving it), clearing its timer: for a
 * bound raced against other work, without an AbortController to make and abort.
 */
export function cancellableSleep(ms: number, clock: Clock = systemClock): { done: Promise<void>; cancel: () => void } {
  if (ms <= 0) return { done: Promise.resolve(), cancel: () => {} };
  let cancel = (): void => {};
  const done = new Promise<void>((resolve) => {
    const clear = clock.setTimer(ms, resolve);
    cancel = () => {
      clear();
      resolve();
    };
  });
  return { done, cancel };
}

/**
 * What the library's own abort controllers are aborted with (see {@link abortOwn}): one reason made
 * once, the same kind as the default one.
 */
const ABORTED = new DOMException('This operation was aborted', 'AbortError');

/**
 * Aborts one of the library's own controllers (whose reason nobody reads). `abort()` without a
 * reason makes a new DOMException, with its stack, every time: a cost on every shutdown.
 */
export function abortOwn(controller: AbortController): void {
  controller.abort(ABORTED);
}

/**
 * Resolves with the promise's value, or with `undefined` as soon as `signal` aborts (the promise
 * is then left to settle on its own; its rejection is swallowed).
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => {});
      resolve(undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * Runs an async task every `intervalMs` on `clock` (measured from the end of the previous run, so
 * runs never overlap). `stop()` cancels the next run and resolves once a running one has ended.
 */
export class Ticker {
  /** Cancels the next run, while one is scheduled. */
  private timer: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Starts ticking; with `immediately` the first run happens now. */
  start(immediately = false): this {
    if (immediately) void this.tick();
    else this.schedule();
    return this;
  }

  /** Whether it has been started and not stopped. */
  get active(): boolean {
    return !this.stopped && (this.timer !== undefined || this.running !== undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(this.intervalMs, () => {
      this.timer = undefined;
      void this.tick();
    });
  }

  private tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const run = this.task()
      .catch(this.onError)
      .finally(() => {
        this.running = undefined;
        this.schedule();
      });
    this.running = run;
    return run;
  }

  /** Stops; resolves after a run in progress has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.();
    this.timer = undefined;
    await this.running;
  }
}

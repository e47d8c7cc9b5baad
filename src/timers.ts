/**
 * Timers the library owns: every one is cleared by its owner on shutdown, so a process using the
 * library exits by itself after `cleanup()`.
 */

/** Resolves after `ms`, or at once when `signal` aborts. Leaves no timer or listener behind. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
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
 * Runs an async task every `intervalMs` (measured from the end of the previous run, so runs never
 * overlap). `stop()` cancels the next run and resolves once a running one has ended.
 */
export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
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
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, this.intervalMs);
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
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

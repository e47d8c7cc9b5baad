/**
 * Runs handling jobs with a concurrency limit, starting them in submission order. A job with a key
 * waits while an earlier job with the same key is running, so same-key jobs run one after another
 * in submission order while different keys run in parallel. With a limit of 1 everything runs in
 * submission (stream) order.
 */

type Job = () => Promise<void>;

interface Item {
  readonly job: Job;
  readonly key: string | number | undefined;
  /** How many entries the job handles (it counts that much towards the load). */
  readonly weight: number;
  started: boolean;
}

/** A concurrency-limited job runner with per-key ordering. */
export class Scheduler {
  private readonly limit: number;
  private queue: Item[] = [];
  private head = 0;
  private readonly busyKeys = new Set<string | number>();
  private running = 0;
  /** Entries in unfinished jobs. */
  private weight = 0;
  private waiters: Array<{ max: number; resolve: () => void }> = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Entries in jobs submitted and not finished (running or waiting). */
  get load(): number {
    return this.weight;
  }

  /**
   * Queues a job; it starts when a slot is free and no earlier job with its key is running. A job
   * may handle several entries one after another (`weight`), taking one slot.
   */
  submit(job: Job, key?: string | number, weight = 1): void {
    this.weight += weight;
    this.queue.push({ job, key, weight, started: false });
    this.pump();
  }

  /** Resolves once at most `max` jobs are unfinished. */
  waitForLoadAtMost(max: number): Promise<void> {
    if (this.load <= max) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ max, resolve }));
  }

  private pump(): void {
    // Scan from the oldest unstarted job; skip only jobs whose key is busy (their turn comes when
    // the key frees up, still ahead of later jobs of that key).
    for (let i = this.head; i < this.queue.length && this.running < this.limit; i++) {
      const item = this.queue[i] as Item;
      if (item.started || (item.key !== undefined && this.busyKeys.has(item.key))) continue;
      this.start(item);
    }
    while (this.head < this.queue.length && (this.queue[this.head] as Item).started) this.head++;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private start(item: Item): void {
    item.started = true;
    this.running++;
    if (item.key !== undefined) this.busyKeys.add(item.key);
    const done = (): void => this.finish(item);
    let result: Promise<void>;
    try {
      result = item.job();
    } catch (err) {
      result = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    result.then(done, done);
  }

  private finish(item: Item): void {
    this.running--;
    this.weight -= item.weight;
    if (item.key !== undefined) this.busyKeys.delete(item.key);
    if (this.waiters.length > 0) {
      const load = this.load;
      const still: typeof this.waiters = [];
      for (const w of this.waiters) {
        if (load <= w.max) w.resolve();
        else still.push(w);
      }
      this.waiters = still;
    }
    this.pump();
  }
}

/**
 * Runs handling jobs with a concurrency limit. Jobs without a key start in submission order; jobs
 * with the same key run one after another in submission order, while different keys run in
 * parallel. With a limit of 1 everything runs in submission (stream) order.
 */

type Job = () => Promise<void>;
type Unit = { readonly job: Job; readonly key?: undefined } | { readonly key: string | number };

/** A concurrency-limited job runner with per-key ordering. */
export class Scheduler {
  private readonly limit: number;
  private readonly perKey = new Map<string | number, Job[]>();
  private ready: Unit[] = [];
  private readyHead = 0;
  private running = 0;
  private waiting = 0;
  private waiters: Array<{ max: number; resolve: () => void }> = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Jobs submitted and not finished (running or waiting). */
  get load(): number {
    return this.running + this.waiting;
  }

  /** Queues a job; it starts when a slot (and its key) is free. */
  submit(job: Job, key?: string | number): void {
    this.waiting++;
    if (key === undefined) {
      this.ready.push({ job });
    } else {
      const queue = this.perKey.get(key);
      if (queue !== undefined) {
        queue.push(job);
      } else {
        this.perKey.set(key, [job]);
        this.ready.push({ key });
      }
    }
    this.pump();
  }

  /** Resolves once at most `max` jobs are unfinished. */
  waitForLoadAtMost(max: number): Promise<void> {
    if (this.load <= max) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ max, resolve }));
  }

  private pump(): void {
    while (this.running < this.limit && this.readyHead < this.ready.length) {
      const unit = this.ready[this.readyHead++] as Unit;
      if (unit.key === undefined) this.start(unit.job, undefined);
      else this.start((this.perKey.get(unit.key) as Job[])[0] as Job, unit.key);
    }
    if (this.readyHead === this.ready.length) {
      this.ready = [];
      this.readyHead = 0;
    } else if (this.readyHead > 1024) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
  }

  private start(job: Job, key: string | number | undefined): void {
    this.running++;
    this.waiting--;
    const done = (): void => this.finish(key);
    job().then(done, done);
  }

  private finish(key: string | number | undefined): void {
    this.running--;
    if (key !== undefined) {
      const queue = this.perKey.get(key) as Job[];
      queue.shift();
      if (queue.length > 0) this.ready.push({ key });
      else this.perKey.delete(key);
    }
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

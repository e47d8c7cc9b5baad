/**
 * Rate limiting for reports (log lines, mostly), so that a flood of failures (a poison source, a
 * server that refuses every login) cannot flood the log: the first report of a key goes out at
 * once, later ones at most once per interval, each saying how many were held back since.
 */

/** Decides, per key, whether a report goes out now. */
export class ReportLimiter {
  private readonly keys = new Map<string, { at: number; held: number }>();

  /**
   * @param everyMs the least time between two reports of one key.
   * @param maxKeys keys remembered; the oldest is forgotten beyond (its next report goes out).
   */
  constructor(
    private readonly everyMs: number,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether to report under `key` now: the number of reports held back since the last one that
   * went out (0 for the first), or `undefined` when this one is to be held back.
   */
  take(key: string): number | undefined {
    const now = this.now();
    const seen = this.keys.get(key);
    if (seen === undefined) {
      if (this.keys.size >= this.maxKeys) {
        const oldest = this.keys.keys().next();
        if (oldest.done !== true) this.keys.delete(oldest.value);
      }
      this.keys.set(key, { at: now, held: 0 });
      return 0;
    }
    if (now - seen.at < this.everyMs) {
      seen.held++;
      return undefined;
    }
    const held = seen.held;
    seen.at = now;
    seen.held = 0;
    return held;
  }

  /** Forgets the keys that start with `prefix`: their next report goes out at once (after a recovery, say). */
  reset(prefix: string): void {
    for (const key of this.keys.keys()) if (key.startsWith(prefix)) this.keys.delete(key);
  }
}

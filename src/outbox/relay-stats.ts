/**
 * A relay's figures in this process: what it published, what failed, its errors. The table's own
 * state (what waits, the oldest row's age) is `outbox.status()`, read from the database.
 */

/** What `relay.getStats()` returns. */
export interface OutboxRelayStats {
  /** The outbox table. */
  readonly table: string;
  /** Whether the relay runs (false once closed or stopped with its streamer). */
  readonly running: boolean;
  /** Whether it listens for NOTIFY (false: it polls, or its LISTEN connection is being re-opened). */
  readonly listening: boolean;
  /** Rounds that claimed at least one row. */
  readonly rounds: number;
  /** Rows marked published (appended, or found appended under their key). */
  readonly published: number;
  /** Row publishes that failed for the row's own reason (counted in its attempts). */
  readonly failedAttempts: number;
  /** Rows this relay gave up on after `maxAttempts` (now dead in the table). */
  readonly deadRows: number;
  /** Rows published after waiting longer than `publishDedupWindowMs` (see the docs' window rule). */
  readonly staleRows: number;
  /** Published rows deleted after `retentionMs`. */
  readonly deletedRows: number;
  /** Errors of the relay itself (database or Redis), each retried after a backoff. */
  readonly errors: number;
  /** The last such error's message, or null. */
  readonly lastError: string | null;
  /** Its code (`ERR_DATABASE`, `ERR_PUBLISH`...), or null. */
  readonly lastErrorCode: string | null;
  /** When it happened (ms since the epoch), or null. */
  readonly lastErrorAt: number | null;
  /** When rows were last marked published (ms since the epoch), or null. */
  readonly lastPublishedAt: number | null;
}

type Counter = 'rounds' | 'published' | 'failedAttempts' | 'deadRows' | 'staleRows' | 'deletedRows';

/** The relay's counters; it counts through these methods only. */
export class RelayCounters {
  private readonly counts: Record<Counter, number> = {
    rounds: 0,
    published: 0,
    failedAttempts: 0,
    deadRows: 0,
    staleRows: 0,
    deletedRows: 0,
  };
  private errors = 0;
  private lastError: { message: string; code: string | null; at: number } | undefined;
  private lastPublishedAt: number | null = null;

  /** Adds `n` to a counter. */
  add(counter: Counter, n: number): void {
    this.counts[counter] += n;
    if (counter === 'published' && n > 0) this.lastPublishedAt = Date.now();
  }

  /** Counts an error of the relay. */
  error(err: Error & { code?: unknown }): void {
    this.errors++;
    this.lastError = { message: err.message, code: typeof err.code === 'string' ? err.code : null, at: Date.now() };
  }

  /** The figures now. */
  snapshot(table: string, running: boolean, listening: boolean): OutboxRelayStats {
    return {
      table,
      running,
      listening,
      ...this.counts,
      errors: this.errors,
      lastError: this.lastError?.message ?? null,
      lastErrorCode: this.lastError?.code ?? null,
      lastErrorAt: this.lastError?.at ?? null,
      lastPublishedAt: this.lastPublishedAt,
    };
  }
}

/**
 * What the relay says, and where: each round's figures into its counters; its errors to `onError`
 * and the logger; rows that failed, died or waited longer than the idempotency window as warnings.
 * The logger hears one line per kind of trouble at most every 30 s (an outage is not a flood); the
 * counters and `onError` hear everything.
 */
import { RedisStreamerError } from '../index.js';
import { databaseError } from './db.js';
import type { ResolvedRelayOptions } from './relay-options.js';
import type { RoundResult } from './relay-round.js';
import type { RelayCounters } from './relay-stats.js';

const QUIET_MS = 30_000;

/** The relay's reporting. */
export class RelayReports {
  private readonly lastLogged = new Map<string, number>();

  constructor(
    private readonly options: ResolvedRelayOptions,
    private readonly counters: RelayCounters,
  ) {}

  /** An error of the relay (retried after a backoff). */
  error(err: unknown): void {
    const error = err instanceof RedisStreamerError ? err : databaseError('the outbox relay', err);
    this.counters.error(error);
    try {
      this.options.onError?.(error);
    } catch {
      // the application's callback failing must not stop the relay
    }
    if (this.due(`error:${error.code}:${error.message}`)) {
      this.options.logger.warn(
        { table: this.options.table.name, code: error.code, err: error },
        `outbox relay: ${error.message} (retrying with backoff)`,
      );
    }
  }

  /** A round's figures, and warnings for its failed, dead and stale rows. */
  round(result: RoundResult): void {
    const { counters, options } = this;
    if (result.claimed.length > 0) counters.add('rounds', 1);
    counters.add('published', result.published);
    counters.add('failedAttempts', result.failed.length);
    const dead = result.failed.filter((f) => f.dead);
    counters.add('deadRows', dead.length);
    const window = options.publishDedupWindowMs;
    const stale = result.claimed.filter((r) => r.ageMs > window);
    counters.add('staleRows', stale.length);
    const table = options.table.name;
    for (const f of dead) {
      options.logger.error(
        { table, id: f.id, error: f.error },
        `outbox row ${f.id} is dead after ${options.maxAttempts} failed publishes: ${f.error}. Fix the cause, then outbox.requeueDead(db)`,
      );
    }
    const failing = result.failed.filter((f) => !f.dead);
    if (failing.length > 0 && this.due('failing')) {
      const f = failing[0] as (typeof failing)[number];
      options.logger.warn(
        { table, id: f.id, error: f.error, rows: failing.length },
        `outbox relay: ${failing.length} row(s) failed to publish and will be retried (row ${f.id}: ${f.error})`,
      );
    }
    const first = stale[0];
    if (first !== undefined && this.due('stale')) {
      options.logger.warn(
        { table, id: first.id, ageMs: Math.round(first.ageMs), publishDedupWindowMs: window },
        `outbox row ${first.id} waited ${Math.round(first.ageMs)} ms, longer than publishDedupWindowMs (${window} ms): if an earlier publish of it reached Redis, it may now be appended twice. Make the streamer's publishDedupWindowMs (and the relay's) longer than the longest time a row can wait`,
      );
    }
  }

  /** The streamer was cleaned up: the relay stops. */
  streamerClosed(): void {
    this.options.logger.info(
      { table: this.options.table.name },
      'outbox relay: the streamer was cleaned up; the relay stops',
    );
  }

  private due(kind: string): boolean {
    const now = Date.now();
    const last = this.lastLogged.get(kind);
    if (last !== undefined && now - last < QUIET_MS) return false;
    if (this.lastLogged.size > 100) this.lastLogged.clear();
    this.lastLogged.set(kind, now);
    return true;
  }
}

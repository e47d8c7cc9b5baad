/**
 * The time the in-memory store runs on. Everything the store does with time (ids made by XADD,
 * idle times, key expiry, TIME, the timeouts of blocking reads and WAIT) reads one clock object
 * it is given, never `Date.now()` directly, so a test that advances the clock controls all of it.
 * The library's {@link TimerClock} (`Clock` of src/timers.ts) is the same shape: a test bus gives
 * one {@link ManualClock} to both, so the streamer's timers and the store's time move together.
 */
import { systemClock as librarySystemClock, type Clock as LibraryClock } from '../../timers.js';

/** A clock: the current time in ms since the epoch. */
export type Clock = Pick<LibraryClock, 'now'>;

/** Timers on a clock: `fire` is called once the clock reaches now + `delayMs`. */
export type ClockTimers = Pick<LibraryClock, 'setTimer'>;

/** A clock with timers, as the store needs for the timeouts of blocked reads and WAIT: the library's `Clock`. */
export type TimerClock = LibraryClock;

/** The system clock (`Date.now()`), with Node's timers. */
export const systemClock: TimerClock = librarySystemClock;

interface Scheduled {
  readonly at: number;
  readonly order: number;
  readonly fire: () => void;
  cancelled: boolean;
}

/**
 * A clock a test moves by hand: time stands still until {@link advance} (or {@link set}) moves it,
 * and timers fire in time order as it passes them, each with the clock at its due time.
 */
export class ManualClock implements TimerClock {
  private current: number;
  private readonly timers: Scheduled[] = [];
  private order = 0;

  /** @param start the time to start at, in ms since the epoch. @default Date.now() */
  constructor(start: number = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fire: () => void): () => void {
    const timer: Scheduled = { at: this.current + Math.max(0, delayMs), order: this.order++, fire, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** How many timers are waiting to fire. */
  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** When the next timer is due (ms since the epoch), or undefined when none is waiting. */
  nextAt(): number | undefined {
    let at: number | undefined;
    for (const t of this.timers) if (!t.cancelled && (at === undefined || t.at < at)) at = t.at;
    return at;
  }

  /** Moves the clock forward by `ms`, firing the timers it passes. */
  advance(ms: number): void {
    this.set(this.current + ms);
  }

  /** Moves the clock to `time` (never back), firing the timers it passes. */
  set(time: number): void {
    for (;;) {
      const due = this.nextDue(time);
      if (due === undefined) break;
      this.current = Math.max(this.current, due.at);
      due.fire();
    }
    this.current = Math.max(this.current, time);
  }

  private nextDue(until: number): Scheduled | undefined {
    let best: Scheduled | undefined;
    for (let i = this.timers.length - 1; i >= 0; i--) {
      const t = this.timers[i] as Scheduled;
      if (t.cancelled) {
        this.timers.splice(i, 1);
        continue;
      }
      if (t.at <= until && (best === undefined || t.at < best.at || (t.at === best.at && t.order < best.order))) {
        best = t;
      }
    }
    if (best !== undefined) this.timers.splice(this.timers.indexOf(best), 1);
    return best;
  }
}

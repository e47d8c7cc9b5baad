/**
 * A sorted set: members ordered by score, then by their bytes (as Redis orders them), with the
 * score of each member in a map. Inserts are binary searches (the ledger's members arrive in
 * score order, so most are appends).
 */
import { compareBytes } from './order.js';

/** One member and its score. */
export interface Scored {
  readonly member: string;
  readonly score: number;
}

function compareScored(a: Scored, b: Scored): number {
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  return compareBytes(a.member, b.member);
}

/** A sorted set. */
export class SortedSet {
  private items: Scored[] = [];
  private readonly scores = new Map<string, number>();

  get size(): number {
    return this.items.length;
  }

  /** The member's score, if it is in the set. */
  score(member: string): number | undefined {
    return this.scores.get(member);
  }

  private indexOf(item: Scored): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareScored(this.items[mid] as Scored, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds or moves a member. */
  set(member: string, score: number): void {
    const old = this.scores.get(member);
    if (old !== undefined) this.items.splice(this.indexOf({ member, score: old }), 1);
    const item = { member, score };
    const at = this.indexOf(item);
    if (at === this.items.length) this.items.push(item);
    else this.items.splice(at, 0, item);
    this.scores.set(member, score);
  }

  /** Members with `min` <= score <= `max` (each bound exclusive when asked). */
  count(min: number, minExclusive: boolean, max: number, maxExclusive: boolean): number {
    let n = 0;
    for (const item of this.items) {
      if (item.score > max || (maxExclusive && item.score === max)) break;
      if (item.score > min || (!minExclusive && item.score === min)) n++;
    }
    return n;
  }

  /** Removes the members ranked `start` to `stop` (0-based, inclusive, already clamped). */
  removeRanks(start: number, stop: number): number {
    const removed = this.items.splice(start, stop - start + 1);
    for (const item of removed) this.scores.delete(item.member);
    return removed.length;
  }

  /** The members ranked `start` to `stop` (inclusive, already clamped). */
  ranks(start: number, stop: number): Scored[] {
    return this.items.slice(start, stop + 1);
  }
}

/**
 * A consumer group's pending entries list (PEL): the entries delivered and not acknowledged, each
 * with its owner, last delivery time and delivery count, in id order. A map finds an entry by id;
 * an array in id order serves ranges (XPENDING, XAUTOCLAIM). Entries are mostly added in id order
 * (reads hand out ascending ids) and removed from the front (acknowledgements), so removals only
 * mark a slot and the array is compacted once marked slots outnumber the live ones.
 */
import { compareIds, formatId, type StreamId } from './ids.js';

/** An owner of pending entries. */
export interface Consumer {
  readonly name: string;
  /** When the consumer last read or claimed (seen_time). */
  seenTime: number;
  /** How many entries it owns in the group's PEL. */
  pending: number;
}

/** One pending entry (streamNACK). */
export interface Nack {
  readonly id: StreamId;
  readonly key: string;
  /** Null only for a moment, while XCLAIM FORCE creates it. */
  consumer: Consumer | null;
  deliveryTime: number;
  deliveryCount: number;
  live: boolean;
}

/** A group's PEL. */
export class PendingList {
  private nodes: Nack[] = [];
  private readonly byKey = new Map<string, Nack>();
  private dead = 0;

  get size(): number {
    return this.byKey.size;
  }

  /** The pending entry with this id (as Redis writes it). */
  get(key: string): Nack | undefined {
    return this.byKey.get(key);
  }

  private lowerBound(id: StreamId): number {
    let lo = 0;
    let hi = this.nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds((this.nodes[mid] as Nack).id, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds a pending entry for an id that has none (`key`: the id as Redis writes it, when known). */
  add(id: StreamId, consumer: Consumer | null, now: number, key = formatId(id)): Nack {
    const nack: Nack = { id, key, consumer, deliveryTime: now, deliveryCount: 1, live: true };
    const last = this.nodes[this.nodes.length - 1];
    if (last === undefined || compareIds(last.id, id) < 0) this.nodes.push(nack);
    else {
      const at = this.lowerBound(id);
      const there = this.nodes[at];
      // A removed slot of the same id is reused; otherwise the new one goes in before `at`.
      if (there !== undefined && !there.live && compareIds(there.id, id) === 0) {
        this.nodes[at] = nack;
        this.dead--;
      } else this.nodes.splice(at, 0, nack);
    }
    this.byKey.set(nack.key, nack);
    if (consumer !== null) consumer.pending++;
    return nack;
  }

  /** Removes a pending entry (XACK, XCLAIM of a deleted entry); its owner's count drops. */
  remove(nack: Nack): void {
    if (!nack.live) return;
    nack.live = false;
    this.byKey.delete(nack.key);
    if (nack.consumer !== null) nack.consumer.pending--;
    this.dead++;
    if (this.dead > 32 && this.dead > this.byKey.size) {
      this.nodes = this.nodes.filter((n) => n.live);
      this.dead = 0;
    }
  }

  /** Gives a pending entry to another owner. */
  reassign(nack: Nack, consumer: Consumer): void {
    if (nack.consumer === consumer) return;
    if (nack.consumer !== null) nack.consumer.pending--;
    nack.consumer = consumer;
    consumer.pending++;
  }

  /** The first live entry with an id >= `id` (a cursor that survives removals while iterating). */
  seek(id: StreamId): Nack | undefined {
    for (let i = this.lowerBound(id); i < this.nodes.length; i++) {
      const nack = this.nodes[i] as Nack;
      if (nack.live) return nack;
    }
    return undefined;
  }

  /** The last live entry. */
  last(): Nack | undefined {
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const nack = this.nodes[i] as Nack;
      if (nack.live) return nack;
    }
    return undefined;
  }

  /** Every live entry in id order (a copy: safe to change the list while going through it). */
  all(): Nack[] {
    return this.nodes.filter((n) => n.live);
  }
}

/**
 * The entries a consumer has taken and not finished (at-least-once: their leases are renewed, and
 * the sweep and recovery leave them alone). A batch handled in order is tracked as one record with
 * a cursor, so the hot path costs no set operation per entry; the rare readers (lease renewal,
 * sweeps) scan.
 */
import type { RawEntry } from '../connection/port.js';

/** A batch handled one entry after another. */
export interface TrackedBatch {
  readonly entries: readonly RawEntry[];
  /** Index of the first entry not finished yet. */
  next: number;
}

/** Entries taken and not finished. */
export class InFlight {
  private readonly singles = new Set<string>();
  private readonly batches = new Set<TrackedBatch>();

  /** Tracks one entry. */
  add(id: string): void {
    this.singles.add(id);
  }

  /** Stops tracking one entry. */
  delete(id: string): void {
    this.singles.delete(id);
  }

  /** Tracks a batch whose entries finish in order. */
  addBatch(entries: readonly RawEntry[]): TrackedBatch {
    const batch: TrackedBatch = { entries, next: 0 };
    if (entries.length > 0) this.batches.add(batch);
    return batch;
  }

  /** The batch's next entry has finished. */
  advance(batch: TrackedBatch): void {
    if (++batch.next >= batch.entries.length) this.batches.delete(batch);
  }

  /** Whether an entry is in flight. */
  has(id: string): boolean {
    if (this.singles.has(id)) return true;
    for (const batch of this.batches) {
      for (let i = batch.next; i < batch.entries.length; i++) if ((batch.entries[i] as RawEntry)[0] === id) return true;
    }
    return false;
  }

  /** Every entry in flight. */
  ids(): string[] {
    const out = [...this.singles];
    for (const batch of this.batches) {
      for (let i = batch.next; i < batch.entries.length; i++) out.push((batch.entries[i] as RawEntry)[0]);
    }
    return out;
  }
}

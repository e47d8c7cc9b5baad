/**
 * One stream's entries and counters, as Redis 7.0 keeps them (t_stream.c): the entries in id
 * order, the last id ever generated, the highest deleted id, the number of entries ever added and
 * the first live id (what lag and entries-read are computed from). Entries are appended in id
 * order into one array, so lookups by id are binary searches; deleted and trimmed entries are
 * marked and skipped, and the array is compacted once they outnumber the live ones, so no call
 * copies the whole stream.
 */
import type { ConsumerGroup } from './groups.js';
import { compareIds, formatId, ZERO_ID, type StreamId } from './ids.js';

/** One entry. Its field list is never changed once appended. */
export interface StreamEntry {
  readonly id: StreamId;
  /** The id as Redis writes it. */
  readonly key: string;
  readonly fields: readonly string[];
  deleted: boolean;
}

/** A stream. */
export class Stream {
  private entries: StreamEntry[] = [];
  /** Entries below this index are all removed. */
  private head = 0;
  /** Removed entries at or above `head`. */
  private holes = 0;
  /** Live entries. */
  length = 0;
  /** The last id generated (s->last_id), kept when entries are deleted. */
  lastId: StreamId = ZERO_ID;
  /** The highest id ever deleted with XDEL (s->max_deleted_entry_id). */
  maxDeletedId: StreamId = ZERO_ID;
  /** Entries ever added (s->entries_added). */
  entriesAdded = 0;
  /** The first live id, or 0-0 when empty (s->first_id). */
  firstId: StreamId = ZERO_ID;
  /** Consumer groups by name. */
  readonly groups = new Map<string, ConsumerGroup>();

  /** Appends an entry whose id is above {@link lastId} (the caller checked). */
  append(id: StreamId, fields: readonly string[]): StreamEntry {
    const entry: StreamEntry = { id, key: formatId(id), fields, deleted: false };
    this.entries.push(entry);
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
    return entry;
  }

  /** Index of the first slot whose id is >= `id`. */
  private lowerBound(id: StreamId): number {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds((this.entries[mid] as StreamEntry).id, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The live entry with this id, if any. */
  get(id: StreamId): StreamEntry | undefined {
    const entry = this.entries[this.lowerBound(id)];
    return entry !== undefined && !entry.deleted && compareIds(entry.id, id) === 0 ? entry : undefined;
  }

  /** Live entries from `start` to `end` (inclusive), at most `count` (0: all), oldest first. */
  range(start: StreamId, end: StreamId, count = 0): StreamEntry[] {
    const out: StreamEntry[] = [];
    for (let i = this.lowerBound(start); i < this.entries.length; i++) {
      const entry = this.entries[i] as StreamEntry;
      if (compareIds(entry.id, end) > 0) break;
      if (entry.deleted) continue;
      out.push(entry);
      if (out.length === count) break;
    }
    return out;
  }

  /** Live entries from `end` down to `start` (inclusive), at most `count` (0: all), newest first. */
  reverseRange(end: StreamId, start: StreamId, count = 0): StreamEntry[] {
    const out: StreamEntry[] = [];
    let i = this.lowerBound(end);
    if (i < this.entries.length && compareIds((this.entries[i] as StreamEntry).id, end) === 0) i++;
    for (i--; i >= this.head; i--) {
      const entry = this.entries[i] as StreamEntry;
      if (compareIds(entry.id, start) < 0) break;
      if (entry.deleted) continue;
      out.push(entry);
      if (out.length === count) break;
    }
    return out;
  }

  /** The last live entry's id (streamLastValidID), or 0-0 when empty. */
  lastLiveId(): StreamId {
    for (let i = this.entries.length - 1; i >= this.head; i--) {
      const entry = this.entries[i] as StreamEntry;
      if (!entry.deleted) return entry.id;
    }
    return ZERO_ID;
  }

  /** The first live id after a removal (streamGetEdgeID), or 0-0 when empty. */
  private refreshFirstId(): void {
    this.firstId = this.length === 0 ? ZERO_ID : (this.range(ZERO_ID, this.lastId, 1)[0]?.id ?? ZERO_ID);
  }

  /** XDEL of one id: whether it was there. Raises the highest deleted id; moves the first id. */
  delete(id: StreamId): boolean {
    const entry = this.get(id);
    if (entry === undefined) return false;
    this.remove(entry);
    if (compareIds(id, this.maxDeletedId) > 0) this.maxDeletedId = id;
    return true;
  }

  /** Refreshes the first id after XDEL removed `deletedFirst` (or anything, when the stream emptied). */
  afterDelete(deletedFirst: boolean): void {
    if (this.length === 0) this.firstId = ZERO_ID;
    else if (deletedFirst) this.refreshFirstId();
  }

  /** Marks an entry removed; `tidy` (unless in a loop over the array) drops removed slots. */
  private remove(entry: StreamEntry, tidy = true): void {
    entry.deleted = true;
    this.length--;
    this.holes++;
    if (tidy) this.skipRemovedHead();
  }

  private skipRemovedHead(): void {
    while (this.head < this.entries.length && (this.entries[this.head] as StreamEntry).deleted) {
      this.head++;
      this.holes--;
    }
    if (this.holes > 32 && this.holes > this.length) this.compact();
    else if (this.head > 1024 && this.head * 2 > this.entries.length) this.compact();
  }

  private compact(): void {
    this.entries = this.entries.slice(this.head).filter((e) => !e.deleted);
    this.head = 0;
    this.holes = 0;
  }

  /** XTRIM MAXLEN (exact): removes the oldest entries beyond `maxLen`; returns how many. */
  trimToLength(maxLen: number): number {
    let removed = 0;
    for (let i = this.head; i < this.entries.length && this.length > maxLen; i++) {
      const entry = this.entries[i] as StreamEntry;
      if (entry.deleted) continue;
      this.remove(entry, false);
      removed++;
    }
    this.afterTrim(removed);
    return removed;
  }

  /** XTRIM MINID (exact): removes entries below `minId`; returns how many. */
  trimBelow(minId: StreamId): number {
    let removed = 0;
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i] as StreamEntry;
      if (compareIds(entry.id, minId) >= 0) break;
      if (entry.deleted) continue;
      this.remove(entry, false);
      removed++;
    }
    this.afterTrim(removed);
    return removed;
  }

  private afterTrim(removed: number): void {
    this.skipRemovedHead();
    if (this.length === 0) this.firstId = ZERO_ID;
    else if (removed > 0) this.refreshFirstId();
  }
}

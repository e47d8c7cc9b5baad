/**
 * What Redis 7.0 reports as a group's entries-read and lag, and how a read moves entries-read
 * (t_stream.c: streamRangeHasTombstones, streamEstimateDistanceFromFirstEverEntry,
 * streamReplyWithCGLag and the counter update in streamReplyWithRange), with their quirks: the
 * counter is only known while no deleted entry lies ahead of the group, and XTRIM, unlike XDEL,
 * leaves no trace that it removed anything.
 */
import { UNKNOWN_ENTRIES_READ, type ConsumerGroup } from './groups.js';
import { compareIds, isZero, MAX_ID, type StreamId } from './ids.js';
import type { Stream } from './stream.js';

/** Whether a deleted entry (XDEL) may lie between `start` and `end` (inclusive). */
export function rangeHasTombstones(stream: Stream, start: StreamId, end: StreamId = MAX_ID): boolean {
  if (stream.length === 0 || isZero(stream.maxDeletedId)) return false;
  if (compareIds(stream.firstId, stream.maxDeletedId) > 0) return false;
  return compareIds(start, stream.maxDeletedId) <= 0 && compareIds(stream.maxDeletedId, end) <= 0;
}

/** The logical read counter of `id` (its distance from the first entry ever), or -1 when unknowable. */
export function estimateDistance(stream: Stream, id: StreamId): number {
  if (stream.entriesAdded === 0) return 0;
  if (stream.length === 0 && compareIds(id, stream.lastId) < 1) return stream.entriesAdded;
  const vsLast = compareIds(id, stream.lastId);
  if (vsLast === 0) return stream.entriesAdded;
  if (vsLast > 0) return UNKNOWN_ENTRIES_READ;
  const vsFirst = compareIds(id, stream.firstId);
  if (isZero(stream.maxDeletedId) || compareIds(stream.maxDeletedId, stream.firstId) < 0) {
    if (vsFirst < 0) return stream.entriesAdded - stream.length;
    if (vsFirst === 0) return stream.entriesAdded - stream.length + 1;
  }
  return UNKNOWN_ENTRIES_READ;
}

/** The group's lag, or null when Redis cannot tell. */
export function groupLag(stream: Stream, group: ConsumerGroup): number | null {
  if (stream.entriesAdded === 0) return 0;
  if (group.entriesRead !== UNKNOWN_ENTRIES_READ && !rangeHasTombstones(stream, group.lastId)) {
    return stream.entriesAdded - group.entriesRead;
  }
  const read = estimateDistance(stream, group.lastId);
  return read === UNKNOWN_ENTRIES_READ ? null : stream.entriesAdded - read;
}

/** A read handed out `id` above the group's last id: the counter and the last id move. */
export function advanceGroup(stream: Stream, group: ConsumerGroup, id: StreamId): void {
  if (group.entriesRead !== UNKNOWN_ENTRIES_READ && !rangeHasTombstones(stream, id)) group.entriesRead++;
  else if (stream.entriesAdded !== 0) group.entriesRead = estimateDistance(stream, id);
  group.lastId = id;
}

/** Stream entries as replies: `[id, [field, value, ...]]`. */
import type { Reply } from '../reply.js';
import type { StreamEntry } from './stream.js';

/** One entry as a reply. The field list is the stored one (never changed), not a copy. */
export function entryReply(entry: StreamEntry): Reply {
  return [entry.key, entry.fields as Reply[]];
}

/** Entries as a reply. */
export function entriesReply(entries: readonly StreamEntry[]): Reply[] {
  const out: Reply[] = new Array<Reply>(entries.length);
  for (let i = 0; i < entries.length; i++) out[i] = entryReply(entries[i] as StreamEntry);
  return out;
}

/** The messages published to a channel, read back from the in-memory store with the library's decoder. */
import { decodeFields } from '../message.js';
import { call } from './memory/commands/index.js';
import type { Reply } from './memory/reply.js';
import type { MemoryStore } from './memory/store/store.js';

/** A message in a channel, as a consumer would decode it. */
export interface Published {
  /** The channel. */
  readonly channel: string;
  /** The entry id. */
  readonly id: string;
  /** The event name (undefined for an entry without one: not written by a publisher of this library or dtpyfw). */
  readonly name: string | undefined;
  /** The body parsed as consumers parse it (dtpyfw's JSON, NaN tokens included); the raw text when it does not parse. */
  readonly payload: unknown;
  /** The entry's fields other than name and body (an idempotency key, fields added by onPublish). */
  readonly fields: Readonly<Record<string, string>>;
}

const text = (r: Reply | undefined): string => (typeof r === 'string' ? r : String(r));

/** Every entry of `channel` still in the stream, oldest first. */
export function publishedIn(store: MemoryStore, channel: string): Published[] {
  if (store.keys.lookup(channel)?.type !== 'stream') return [];
  const entries = call(store, 'XRANGE', channel, '-', '+') as Reply[];
  return entries.map((entry) => {
    const [id, flat] = entry as [Reply, Reply[]];
    const raw = flat.map(text);
    try {
      const { name, body, fields } = decodeFields(raw, Number.MAX_SAFE_INTEGER);
      return { channel, id: text(id), name, payload: body, fields };
    } catch {
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < raw.length; i += 2) fields[raw[i] as string] = raw[i + 1] as string;
      const { name, body, ...rest } = fields;
      return { channel, id: text(id), name, payload: body, fields: rest };
    }
  });
}

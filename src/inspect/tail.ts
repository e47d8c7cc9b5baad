/**
 * Following a channel without consuming anything: plain `XRANGE` pages and `XREAD BLOCK` waits,
 * never a consumer group, so no group's position, pending list or dedup mark moves. Entries are
 * decoded as the library's consumers decode them (`name` + JSON `body`, dtpyfw's JSON too); an entry
 * that would be dead-lettered is given with its reason instead.
 */
import type { RawEntry, RedisPort } from '../connection/port.js';
import { idTimeMs } from '../delivery/ids.js';
import { DecodeError } from '../errors.js';
import { decodeFields, type DecodedEntry } from '../message.js';

/** Options of `inspector.tail(channel, options)`. */
export interface TailOptions {
  /**
   * Start with the first entry of the stream instead of the entries appended from now on.
   * @default false
   */
  readonly fromStart?: boolean;
  /**
   * Start after this entry id (overrides `fromStart`): to resume after a dropped connection.
   * @default undefined
   */
  readonly after?: string;
  /**
   * Ends the iteration (at once, also during a wait).
   * @default undefined (runs until the caller stops iterating)
   */
  readonly signal?: AbortSignal;
  /**
   * How long one wait for new entries blocks on the server, in ms.
   * @default 5000
   */
  readonly blockMs?: number;
  /**
   * Entries read per XRANGE page (at most 10000).
   * @default 100
   */
  readonly pageSize?: number;
}

/** One entry of a followed channel. */
export interface TailEntry {
  /** The entry id. */
  readonly id: string;
  /** Server time (ms) when it was appended (from its id). */
  readonly timeMs: number;
  /** Its flat field/value list, as stored. */
  readonly raw: readonly string[];
  /** The entry decoded (name, body, other fields), or null when it does not decode. */
  readonly message: DecodedEntry | null;
  /** Why it does not decode (the reason a consumer would dead-letter it), or null. */
  readonly error: DecodeError | null;
}

/** The connections a tail needs: the inspector's command connection and one for its waits. */
export interface TailPorts {
  /** The shared command connection (XRANGE, XREVRANGE). */
  readonly command: () => Promise<RedisPort>;
  /** Opens a connection of its own for the blocking waits. */
  readonly openWait: () => RedisPort;
  /** Closes it again gracefully. */
  readonly release: (port: RedisPort) => Promise<void>;
  /** Cuts it at once (its wait in flight fails). */
  readonly discard: (port: RedisPort) => void;
}

/** Decodes one stream entry for display. */
export function tailEntry([id, raw]: RawEntry): TailEntry {
  try {
    return { id, timeMs: idTimeMs(id), raw, message: decodeFields(raw, Number.POSITIVE_INFINITY), error: null };
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    return { id, timeMs: idTimeMs(id), raw, message: null, error: err };
  }
}

/**
 * Follows a channel: yields its entries in order, waiting for new ones, until the signal aborts
 * (then it returns) or the caller stops iterating. Rejects when Redis fails; `after` resumes. The
 * options are checked already (by `inspector.tail()`, at the call).
 */
export async function* tailChannel(ports: TailPorts, channel: string, options: TailOptions): AsyncGenerator<TailEntry> {
  const { signal, blockMs = 5000, pageSize = 100 } = options;
  const command = await ports.command();
  let last = options.after ?? (options.fromStart === true ? '0-0' : ((await command.xrevrangeLast(channel)) ?? '0-0'));
  const wait = ports.openWait();
  const stopped = (): boolean => signal?.aborted === true;
  // Cutting the connection ends its wait at once on one server; a cluster client may leave the
  // wait's promise unsettled, so the abort is raced as well.
  let wake = (): void => {};
  const aborted = new Promise<void>((resolve) => (wake = resolve));
  const stop = (): void => {
    wake();
    ports.discard(wait);
  };
  signal?.addEventListener('abort', stop, { once: true });
  try {
    while (!stopped()) {
      const page = await command.xrange(channel, `(${last}`, '+', pageSize);
      for (const entry of page) {
        last = entry[0];
        yield tailEntry(entry);
        if (stopped()) return;
      }
      if (page.length === pageSize) continue;
      const waiting = wait.waitForEntries([channel], [last], blockMs);
      waiting.catch(() => {}); // after an abort, its failure is expected and ignored
      try {
        await Promise.race([waiting, aborted]);
      } catch (err) {
        if (stopped()) return;
        throw err;
      }
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    await ports.release(wait);
  }
}

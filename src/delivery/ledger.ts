/**
 * dtpyfw's dedup ledger of one group (`dedupGuard: 'ledger'`): the ZSET
 * `stream:<channel>:group:<group>:processed`, member = channel entry id, score = ms. A dtpyfw
 * process reserves each id it reads with `ZADD NX` and skips (acknowledges unhandled) an id the
 * ledger already holds. So that a dtpyfw process of the group never handles again what this library
 * handled, every entry this library hands to its handlers is in the ledger, whatever path brought
 * it:
 * - a fresh read reserves its ids ({@link DtpyfwLedger.reserve}, as dtpyfw does): ids already held
 *   were handed out before and are skipped;
 * - an entry taken over from the pending list (a retry, a reclaim from a dead consumer, a
 *   recovery) or a replayed dead letter is recorded ({@link DtpyfwLedger.record}) before it is
 *   handled, and handled even when the ledger held it (handling started elsewhere and did not
 *   finish: at-least-once). A replay is recorded under its original id (`rs-replay-of`), the id a
 *   dtpyfw process reads from the channel.
 * One script call per batch or page; the ledger lives in another cluster slot than the channel
 * (unless the channel has a hash tag), so these scripts touch nothing else.
 */
import type { RawEntry, RedisPort } from '../connection/port.js';
import { ledgerKey } from '../naming.js';
import { scripts } from '../scripts/index.js';
import type { SourceKind } from './strategy.js';

/** Ledger members removed per script call (each call keeps Redis busy for milliseconds only). */
const TRIM_CHUNK = 10_000;
/** Ids per script call (a bound on the arguments of one call). */
const RECORD_CHUNK = 1000;

/** The field of a replayed entry that holds its original id. */
const REPLAY_OF = 'rs-replay-of';

/** The channel id of an entry of `source`: its own id, or for a replay the original's (undefined if unknown). */
function channelId(source: SourceKind, [id, fields]: RawEntry): string | undefined {
  if (source === 'channel') return id;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === REPLAY_OF) return fields[i + 1];
  return undefined;
}

/** dtpyfw's ledger of one group. */
export class DtpyfwLedger {
  /** Its key. */
  readonly key: string;

  constructor(
    channel: string,
    group: string,
    private readonly windowMs: number,
  ) {
    this.key = ledgerKey(channel, group);
  }

  /**
   * Reserves freshly read ids (ZADD NX, one call per batch); resolves to, per id, whether this call
   * reserved it (false: the ledger held it, the entry was handed out before and is skipped).
   */
  async reserve(port: RedisPort, ids: readonly string[]): Promise<boolean[]> {
    const reserved = await scripts.ledgerReserve.run(port, [this.key], ids);
    return reserved.map((r) => r === 1);
  }

  /**
   * Records entries about to be handled that did not come by a fresh read (taken over from the
   * pending list, or replayed), one call per 1,000; resolves to how many were not held yet.
   */
  async record(port: RedisPort, source: SourceKind, entries: readonly RawEntry[]): Promise<number> {
    const ids: string[] = [];
    for (const entry of entries) {
      const id = channelId(source, entry);
      if (id !== undefined) ids.push(id);
    }
    let added = 0;
    for (let i = 0; i < ids.length; i += RECORD_CHUNK) {
      added += await scripts.ledgerRecord.run(port, [this.key], ids.slice(i, i + RECORD_CHUNK));
    }
    return added;
  }

  /** Forgets members older than the dedup window (server clock); resolves to the count removed. */
  async trim(port: RedisPort): Promise<number> {
    let total = 0;
    for (;;) {
      const [removed, left] = await scripts.ledgerTrim.run(port, [this.key], [this.windowMs, TRIM_CHUNK]);
      total += removed;
      if (left === 0 || removed === 0) return total;
    }
  }
}

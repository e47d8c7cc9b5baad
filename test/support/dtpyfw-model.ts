/**
 * dtpyfw's consumer, command for command (dtpyfw-behaviour.md §3.3), for tests of groups shared
 * with dtpyfw processes: `XREADGROUP ... >`, then per entry `ZADD <ledger> NX <now> <id>`: an entry
 * whose id the ledger already holds is acknowledged without being handled.
 */
import type { Redis } from 'ioredis';
import { ledgerKey } from '../../src/naming.js';

type ReadReply = Array<[string, Array<[string, string[]]>]> | null;

/** What one dtpyfw read did. */
export interface DtpyfwRead {
  /** Ids the ledger did not hold: dtpyfw would hand them to its handlers. */
  readonly handled: string[];
  /** Ids the ledger held: dtpyfw acknowledges them without handling. */
  readonly skipped: string[];
}

/**
 * Reads the group's new entries as dtpyfw does, up to `count`, and applies its ledger rule.
 * With `killedBeforeLedger`, the process "dies" after the read: the entries stay pending on
 * `consumer` and the ledger is not written (a SIGKILL between dtpyfw's XREADGROUP and its ZADD).
 */
export async function dtpyfwRead(
  client: Redis,
  channel: string,
  group: string,
  consumer: string,
  count: number,
  killedBeforeLedger = false,
): Promise<DtpyfwRead> {
  const reply = (await client.xreadgroup(
    'GROUP',
    group,
    consumer,
    'COUNT',
    count,
    'STREAMS',
    channel,
    '>',
  )) as ReadReply;
  const entries = reply?.[0]?.[1] ?? [];
  const out: DtpyfwRead = { handled: [], skipped: [] };
  if (killedBeforeLedger) return { handled: entries.map(([id]) => id), skipped: [] };
  const ledger = ledgerKey(channel, group);
  const now = Date.now(); // dtpyfw's client clock, once per batch
  for (const [id] of entries) {
    const reserved = await client.zadd(ledger, 'NX', now, id);
    (reserved === 1 ? out.handled : out.skipped).push(id);
    await client.xack(channel, group, id);
  }
  return out;
}

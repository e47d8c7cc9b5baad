/**
 * Reading through the dedup guard: what keeps a group from handing an entry to its handlers twice
 * within the dedup window, even after the group is deleted and re-created from `0-0` or moved back
 * with `XGROUP SETID`.
 *
 * Every read is one atomic step with the guard, in one round trip:
 * - before the read, a group whose position was moved back below its mark (the highest id it
 *   handed out) is moved forward to the mark again. Its pending list is left alone, so entries in
 *   flight or waiting for a retry keep their owner and their schedule; nothing is acknowledged
 *   blindly;
 * - after the read, the mark is raised to the group's new position.
 * The mark is one key per group without expiry (keys with a TTL are what volatile-* eviction
 * policies remove first); a mark older than the dedup window guards nothing and is dropped.
 *
 * Guard kinds: `watermark` is the mark alone. `ledger` keeps dtpyfw's ZSET ledger as well (a
 * second round trip per batch reserves the ids with ZADD NX), for groups shared with dtpyfw
 * processes, which consult it; ids it already holds are skipped. Replayed dead letters read here,
 * and entries taken over from the pending list, are recorded in it too (see ./ledger.ts).
 */
import type { RawEntry, ReadGroup, RedisPort, WaitBeforeRead } from '../connection/port.js';
import { guardKey, replayKey } from '../naming.js';
import { scripts } from '../scripts/index.js';
import { DtpyfwLedger } from './ledger.js';

/** The dedup guard kinds. */
export type GuardKind = 'watermark' | 'ledger';

/** One atomic read through the guard. */
export interface GuardedTake {
  /** Entries to hand to the handlers, in stream order. */
  readonly entries: RawEntry[];
  /** Entries dtpyfw's ledger says were handed out before (`ledger` kind only): not handled. */
  readonly skipped: RawEntry[];
  /** The group's last-delivered-id after the read ('' when the group is missing). */
  readonly lastDeliveredId: string;
  /** The group's pending count after the read. */
  readonly pending: number;
  /** Whether dead letters replayed to the group wait in its replay stream. */
  readonly replays: boolean;
  /** With a wait: whether it saw a new entry before timing out (always true without one). */
  readonly woke: boolean;
  /** Set when the guard found the group moved back and moved it forward: from, to, entries skipped. */
  readonly movedForward: readonly [from: string, to: string, skipped: number] | undefined;
  /** Whether a guard script was missing from the server's cache, so this read ran unguarded. */
  readonly unguarded: boolean;
}

/** The reads of one group on one channel, through its guard. */
export class GuardedReader {
  private readonly keys: readonly [string, string, string];
  /** dtpyfw's ledger of the group (`ledger` kind), undefined otherwise. */
  readonly ledger: DtpyfwLedger | undefined;

  constructor(
    private readonly channel: string,
    private readonly group: string,
    private readonly consumer: string,
    kind: GuardKind,
    private readonly windowMs: number,
    private readonly noAck: boolean,
  ) {
    this.keys = [channel, guardKey(channel, group), replayKey(channel, group)];
    this.ledger = kind === 'ledger' ? new DtpyfwLedger(channel, group, windowMs) : undefined;
  }

  /**
   * Reads up to `count` new entries (a busy stream): the guard's two steps around a plain
   * XREADGROUP, in one MULTI/EXEC.
   */
  async take(port: RedisPort, count: number): Promise<GuardedTake> {
    const [stream, mark] = this.keys;
    const read: ReadGroup = { group: this.group, consumer: this.consumer, key: stream, count, noAck: this.noAck };
    const reply = await port.readBetweenScripts(
      read,
      { script: scripts.guardBeforeRead, keys: [stream, mark], args: [this.group, this.windowMs] },
      { script: scripts.guardAfterRead, keys: this.keys, args: [this.group] },
    );
    let after = reply.after === null ? null : scripts.guardAfterRead.parse(reply.after);
    // A SCRIPT FLUSH right before: the mark still has to be raised past what was read.
    after ??= await scripts.guardAfterRead.run(port, this.keys, [this.group]);
    const moved = reply.before === null ? null : scripts.guardBeforeRead.parse(reply.before);
    return this.finish(port, reply.entries, after[0], after[1], after[2], true, moved, reply.before === null);
  }

  /**
   * Waits (XREAD BLOCK, which consumes nothing) for an entry above `wait.afterId`, then reads
   * through the guard (guarded-read-3.lua), the two sent in one write: Redis runs the read as soon as
   * the wait ends, so a new entry costs one round trip.
   */
  async waitThenTake(port: RedisPort, wait: WaitBeforeRead, count: number): Promise<GuardedTake> {
    const { result, woke } = await port.runScriptAfterWait(this.channel, wait, scripts.guardedRead, this.keys, [
      this.group,
      this.windowMs,
      this.consumer,
      count,
      this.noAck ? '1' : '0',
    ]);
    const [from, to, skippedCount, lastDeliveredId, pending, replays, entries] = scripts.guardedRead.parse(result);
    const moved: [string, string, number] = [from, to, skippedCount];
    return this.finish(port, entries, lastDeliveredId, pending, replays, woke, moved, false);
  }

  private async finish(
    port: RedisPort,
    read: RawEntry[],
    lastDeliveredId: string,
    pending: number,
    replays: number,
    woke: boolean,
    moved: readonly [string, string, number] | null,
    unguarded: boolean,
  ): Promise<GuardedTake> {
    let entries = read;
    let skipped: RawEntry[] = [];
    if (this.ledger !== undefined && read.length > 0) {
      const reserved = await this.ledger.reserve(
        port,
        read.map((e) => e[0]),
      );
      entries = read.filter((_, i) => reserved[i] === true);
      skipped = read.filter((_, i) => reserved[i] !== true);
    }
    return {
      entries,
      skipped,
      lastDeliveredId,
      pending,
      replays: replays === 1,
      woke,
      movedForward: moved !== null && moved[0] !== '' ? moved : undefined,
      unguarded,
    };
  }

  /**
   * Reads up to `count` dead letters replayed to the group (its replay stream), recording them in
   * dtpyfw's ledger (`ledger` kind) before they are handled: a second round trip per batch.
   */
  async takeReplays(port: RedisPort, count: number): Promise<RawEntry[]> {
    const { group, consumer, noAck } = this;
    const entries = await port.xreadgroup({ group, consumer, key: this.keys[2], count, noAck });
    if (this.ledger !== undefined && entries.length > 0) await this.ledger.record(port, 'replay', entries);
    return entries;
  }

  /** Forgets ledger records older than the dedup window (`ledger` kind); resolves to the count removed. */
  async trim(port: RedisPort): Promise<number> {
    return this.ledger === undefined ? 0 : this.ledger.trim(port);
  }

  /** The group's mark: where to re-create a lost group so that nothing handed out is replayed. */
  async resumePoint(port: RedisPort): Promise<string | undefined> {
    return (await port.getString(this.keys[1])) ?? undefined;
  }
}

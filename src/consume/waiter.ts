/**
 * One blocking connection that waits for many channels at once: `XREAD BLOCK ... STREAMS <keys>
 * <ids>` (which consumes nothing) over every channel whose loop is waiting, so idle channels share
 * a connection instead of holding one each. When a stream gets an entry, its loop is woken and
 * reads it on the shared read connection, through the dedup guard as always.
 *
 * An idle channel costs nothing per channel: its loop waits here without a deadline of its own and
 * does no read until it is woken. What a read would also have noticed is looked at for all the
 * channels of the waiter together, once per blockMs: dead letters replayed to a group (one XREAD
 * without BLOCK over their replay streams); and a channel idle for half of staleGroupMs is woken
 * for one read, so its consumer stays seen and its group live. So the cost of waiting grows with
 * the traffic, not with the number of channels.
 *
 * On a Redis Cluster one XREAD may only name keys of one slot, and a connection blocks on one
 * command at a time: a blocking waiter serves the channels of one slot. Channels of the slots left
 * over when the blocking waiters are all in use share a polling waiter instead, which looks
 * (XREAD without BLOCK, one per slot, all sent at once) every {@link POLL_MS}.
 *
 * A channel stays in the XREAD while its loop reads the one entry it was woken for, with the id of
 * that entry as its position, so a quiet channel costs no re-issue when it goes back to waiting. A
 * channel that gets another entry while its loop is still reading is busy: it leaves the XREAD
 * (its loop reads on until the stream is drained) and joins again when its loop waits again. A
 * join while the XREAD is blocked ends it (CLIENT UNBLOCK, or on a cluster by cutting the
 * connection) and it is sent again with the new set. After a wake the XREAD is sent again only
 * once the woken loops have sent their reads, which then reach Redis first.
 */
import { backoffDelay } from '../connection/backoff.js';
import type { RedisPort } from '../connection/port.js';
import { compareIds } from '../delivery/ids.js';
import { isConnectionError } from '../errors.js';
import type { ErrorContext } from '../events.js';
import { sleep, type Clock } from '../timers.js';
import type { ReadConnection } from './read-connection.js';

/** How often a polling waiter looks at its streams. */
export const POLL_MS = 100;

/** When a waiter looks and blocks. */
export interface WaiterTiming {
  /** The longest block of one XREAD, and how often replay streams are looked at. */
  readonly blockMs: number;
  /** A channel waiting this long is woken for one read (its consumer stays seen by Redis). */
  readonly livenessMs: number;
  /** The clock of the liveness reads, the looks at replay streams and the polls. */
  readonly clock: Clock;
}

interface Watch {
  /** Wake when the stream has an entry above this id. */
  afterId: string;
  /** The group's replay stream (dead letters replayed to it), looked at once per blockMs. */
  readonly replayKey: string;
  /** The loop waiting now, if any; `due` is when it is woken for a liveness read. */
  waiting: { resolve: (woke: boolean) => void; due: number } | undefined;
}

/** Waits for entries on many streams over one connection. */
export class Waiter {
  private readonly watched = new Map<string, Watch>();
  /** The keys of the XREAD in flight. */
  private inFlight: ReadonlySet<string> | undefined;
  /** Bumped when a channel joins or leaves: the keys of the next XREAD are listed again. */
  private version = 0;
  private listed: { version: number; keys: string[]; set: ReadonlySet<string> } | undefined;
  private loopRunning = false;
  private unblocking = false;
  private closed = false;
  private errors = 0;
  private lastLook: number;
  /**
   * No liveness read is due before this (the earliest `due` when the waits were last scanned, or
   * a later wait's): the waits are scanned only then, not on every wake.
   */
  private nextDue = Infinity;
  private pollRest: AbortController | undefined;

  /**
   * @param connection the connection it waits on (its own when blocking; a polling waiter may use
   *   a shared one, since it never blocks).
   * @param slotOf on a cluster, a key's hash slot (one XREAD per slot); undefined on one server.
   */
  constructor(
    private readonly connection: ReadConnection,
    private readonly mode: 'block' | 'poll',
    private readonly timing: WaiterTiming,
    private readonly command: () => Promise<RedisPort>,
    private readonly report: (err: unknown, context: ErrorContext) => void,
    private readonly slotOf: ((key: string) => number) | undefined,
  ) {
    this.lastLook = timing.clock.now();
  }

  /** Channels waiting or being read. */
  get size(): number {
    return this.watched.size;
  }

  /**
   * Waits until `key` holds an entry above `afterId`, dead letters were replayed to `replayKey`,
   * or a liveness read is due. Resolves true then, false when `signal` aborts or the channel left.
   */
  wait(key: string, afterId: string, replayKey: string, signal: AbortSignal): Promise<boolean> {
    if (this.closed || signal.aborted) return Promise.resolve(false);
    let watch = this.watched.get(key);
    if (watch === undefined) {
      watch = { afterId, replayKey, waiting: undefined };
      this.watched.set(key, watch);
      this.version++;
    } else if (isAfter(afterId, watch.afterId)) {
      watch.afterId = afterId;
    }
    const w = watch;
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => settle(false);
      const settle = (woke: boolean): void => {
        if (w.waiting !== undefined && w.waiting.resolve === settle) w.waiting = undefined;
        signal.removeEventListener('abort', onAbort);
        resolve(woke);
      };
      w.waiting = { resolve: settle, due: this.timing.clock.now() + this.timing.livenessMs };
      this.nextDue = Math.min(this.nextDue, w.waiting.due);
      signal.addEventListener('abort', onAbort, { once: true });
      this.kick(key);
    });
  }

  /** Stops watching a channel (unsubscribed, or its loop stopped). */
  leave(key: string): void {
    const watch = this.watched.get(key);
    if (this.watched.delete(key)) this.version++;
    watch?.waiting?.resolve(false);
  }

  /** Ends every wait, and closes the connection when it is its own (a blocking waiter's). */
  async close(): Promise<void> {
    this.closed = true;
    this.pollRest?.abort();
    for (const key of [...this.watched.keys()]) this.leave(key);
    if (this.mode === 'poll') return;
    await this.connection.unblock(this.command);
    await this.connection.close();
  }

  /** Makes sure the XREAD covers `key`: starts the loop, or ends the XREAD in flight to send it again. */
  private kick(key: string): void {
    if (!this.loopRunning) {
      this.loopRunning = true;
      void this.loop();
      return;
    }
    if (this.mode === 'poll' || this.inFlight === undefined || this.inFlight.has(key) || this.unblocking) return;
    this.unblocking = true;
    void this.connection.unblock(this.command).finally(() => (this.unblocking = false));
  }

  private async loop(): Promise<void> {
    try {
      while (!this.closed && this.watched.size > 0) {
        const { keys, set } = this.keys();
        const ids = keys.map((k) => (this.watched.get(k) as Watch).afterId);
        this.inFlight = set;
        let woke: Array<[string, string]>;
        try {
          woke =
            this.mode === 'block'
              ? await this.connection.watch((port) => port.waitForEntries(keys, ids, this.blockTime()), true)
              : await this.look(keys, ids);
          this.errors = 0;
        } catch (err) {
          this.inFlight = undefined;
          await this.onError(err);
          continue;
        }
        this.inFlight = undefined;
        const woken = this.wake(woke) + (await this.upkeep());
        // The woken loops send their reads in this turn's microtasks: the next XREAD goes after them.
        if (woken > 0) await new Promise((resolve) => setImmediate(resolve));
        else if (this.mode === 'poll' && woke.length === 0) await this.restBetweenPolls();
      }
    } finally {
      this.loopRunning = false;
    }
    // A wait that came in as the loop was ending.
    if (!this.closed && this.watched.size > 0 && !this.loopRunning) {
      this.loopRunning = true;
      void this.loop();
    }
  }

  /** The channels watched now (listed again only when one joined or left). */
  private keys(): { keys: string[]; set: ReadonlySet<string> } {
    if (this.listed?.version !== this.version) {
      const keys = [...this.watched.keys()];
      this.listed = { version: this.version, keys, set: new Set(keys) };
    }
    return this.listed;
  }

  /** One look at some streams: an XREAD without BLOCK per slot, sent together. */
  private async look(keys: readonly string[], ids: readonly string[]): Promise<Array<[string, string]>> {
    const bySlot = new Map<number, { keys: string[]; ids: string[] }>();
    keys.forEach((key, i) => {
      const slot = this.slotOf?.(key) ?? 0;
      const group = bySlot.get(slot) ?? { keys: [], ids: [] };
      group.keys.push(key);
      group.ids.push(ids[i] as string);
      bySlot.set(slot, group);
    });
    const looks = await this.connection.watch((port) =>
      Promise.all([...bySlot.values()].map((g) => port.waitForEntries(g.keys, g.ids, undefined))),
    );
    return looks.flat();
  }

  private async restBetweenPolls(): Promise<void> {
    this.pollRest = new AbortController();
    await sleep(POLL_MS, this.pollRest.signal, this.timing.clock);
    this.pollRest = undefined;
  }

  /** The block of the next XREAD: until the next upkeep is due, at most blockMs. */
  private blockTime(): number {
    const { blockMs } = this.timing;
    const earliest = Math.min(this.lastLook + blockMs, this.nextDue);
    return Math.max(1, Math.min(blockMs, Math.ceil(earliest - this.timing.clock.now())));
  }

  /** Wakes the loops of the streams that got entries; returns how many it woke. */
  private wake(woke: ReadonlyArray<[string, string]>): number {
    let woken = 0;
    for (const [key, id] of woke) {
      const watch = this.watched.get(key);
      if (watch === undefined || !isAfter(id, watch.afterId)) continue; // spurious: already read past it
      watch.afterId = id;
      if (watch.waiting === undefined) {
        this.watched.delete(key); // busy: its loop reads on, and comes back when drained
        this.version++;
        continue;
      }
      watch.waiting.resolve(true);
      woken++;
    }
    return woken;
  }

  /**
   * What the waiting loops' reads would have noticed: a liveness read due, and (once per blockMs)
   * dead letters replayed to their groups. Returns how many loops it woke.
   */
  private async upkeep(): Promise<number> {
    let woken = 0;
    const now = this.timing.clock.now();
    if (now >= this.nextDue) {
      this.nextDue = Infinity;
      for (const watch of this.watched.values()) {
        if (watch.waiting === undefined) continue;
        if (now >= watch.waiting.due) {
          watch.waiting.resolve(true);
          woken++;
        } else {
          this.nextDue = Math.min(this.nextDue, watch.waiting.due);
        }
      }
    }
    if (now - this.lastLook < this.timing.blockMs || this.closed) return woken;
    this.lastLook = now;
    const waiting = [...this.watched.values()].filter((w) => w.waiting !== undefined);
    if (waiting.length === 0) return woken;
    let found: Array<[string, string]>;
    try {
      found = await this.look(
        waiting.map((w) => w.replayKey),
        waiting.map(() => '0-0'),
      );
    } catch (err) {
      await this.onError(err);
      return woken;
    }
    const replayed = new Set(found.map(([key]) => key));
    for (const watch of waiting) {
      if (watch.waiting === undefined || !replayed.has(watch.replayKey)) continue;
      watch.waiting.resolve(true);
      woken++;
    }
    return woken;
  }

  private async onError(err: unknown): Promise<void> {
    if (this.closed || this.connection.takeReplaced()) return;
    this.errors++;
    // A lost connection is reported as a reconnect; anything else once per streak.
    if (this.errors === 1 && !isConnectionError(err)) this.report(err, { phase: 'consume' });
    await this.connection.untilReadyOr(backoffDelay(this.errors, 100, 2000), NEVER);
  }
}

const NEVER = new AbortController().signal;

/** Whether `id` is above `than`; `$` (the end of the stream when waited on) is above everything. */
function isAfter(id: string, than: string): boolean {
  if (than === '$') return id !== '$';
  if (id === '$') return false;
  return compareIds(id, than) > 0;
}

/**
 * One blocking connection that waits for many channels at once: `XREAD BLOCK ... STREAMS <keys>
 * <ids>` (which consumes nothing) over every channel whose loop is waiting, so idle channels share
 * a connection instead of holding one each. When a stream gets an entry, its loop is woken and
 * reads it on the shared read connection, through the dedup guard as always.
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
 * connection) and it is sent again with the new set.
 */
import { backoffDelay } from '../connection/backoff.js';
import type { RedisPort } from '../connection/port.js';
import { compareIds } from '../delivery/ids.js';
import { isConnectionError } from '../errors.js';
import type { ErrorContext } from '../events.js';
import { sleep } from '../timers.js';
import type { ReadConnection } from './read-connection.js';

/** How often a polling waiter looks at its streams. */
export const POLL_MS = 100;

interface Watch {
  /** Wake when the stream has an entry above this id. */
  afterId: string;
  /** The loop waiting now, if any. */
  waiting: { resolve: (woke: boolean) => void; deadline: number } | undefined;
}

/** Waits for entries on many streams over one connection. */
export class Waiter {
  private readonly watched = new Map<string, Watch>();
  /** The keys of the XREAD in flight. */
  private inFlight: ReadonlySet<string> | undefined;
  private loopRunning = false;
  private unblocking = false;
  private closed = false;
  private errors = 0;

  private pollRest: AbortController | undefined;

  /**
   * @param connection the connection it waits on (its own when blocking; a polling waiter may use
   *   a shared one, since it never blocks).
   * @param slotOf on a cluster, a key's hash slot (a polling waiter sends one XREAD per slot);
   *   undefined on one server.
   */
  constructor(
    private readonly connection: ReadConnection,
    private readonly mode: 'block' | 'poll',
    private readonly blockMs: number,
    private readonly command: () => Promise<RedisPort>,
    private readonly report: (err: unknown, context: ErrorContext) => void,
    private readonly slotOf: ((key: string) => number) | undefined,
  ) {}

  /** Channels waiting or being read. */
  get size(): number {
    return this.watched.size;
  }

  /**
   * Waits until `key` holds an entry above `afterId`, up to about `timeoutMs` (the shared block
   * may make it up to one more block longer). Resolves true when one came, false on timeout or
   * abort.
   */
  wait(key: string, afterId: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    if (this.closed || signal.aborted) return Promise.resolve(false);
    let watch = this.watched.get(key);
    if (watch === undefined) {
      watch = { afterId, waiting: undefined };
      this.watched.set(key, watch);
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
      w.waiting = { resolve: settle, deadline: performance.now() + timeoutMs };
      signal.addEventListener('abort', onAbort, { once: true });
      this.kick(key);
    });
  }

  /** Stops watching a channel (unsubscribed, or its loop stopped). */
  leave(key: string): void {
    const watch = this.watched.get(key);
    this.watched.delete(key);
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
        const keys = [...this.watched.keys()];
        const ids = keys.map((k) => (this.watched.get(k) as Watch).afterId);
        this.inFlight = new Set(keys);
        let woke: Array<[string, string]>;
        try {
          woke =
            this.mode === 'block'
              ? await this.connection.watch((port) => port.waitForEntries(keys, ids, this.blockTime()), true)
              : await this.poll(keys, ids);
          this.errors = 0;
        } catch (err) {
          this.inFlight = undefined;
          await this.onError(err);
          continue;
        }
        this.inFlight = undefined;
        this.wake(woke);
        this.expire();
        if (this.mode === 'poll' && woke.length === 0) await this.restBetweenPolls();
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

  /** One look at every stream: an XREAD without BLOCK per slot, sent together. */
  private async poll(keys: readonly string[], ids: readonly string[]): Promise<Array<[string, string]>> {
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
    await sleep(POLL_MS, this.pollRest.signal);
    this.pollRest = undefined;
  }

  /** The block of the next XREAD: until the earliest waiting loop's deadline, at most blockMs. */
  private blockTime(): number {
    let earliest = Infinity;
    for (const w of this.watched.values())
      if (w.waiting !== undefined) earliest = Math.min(earliest, w.waiting.deadline);
    const until = Math.ceil(earliest - performance.now());
    return Math.max(1, Math.min(this.blockMs, Number.isFinite(until) ? until : this.blockMs));
  }

  private wake(woke: ReadonlyArray<[string, string]>): void {
    for (const [key, id] of woke) {
      const watch = this.watched.get(key);
      if (watch === undefined || !isAfter(id, watch.afterId)) continue; // spurious: already read past it
      watch.afterId = id;
      if (watch.waiting !== undefined) watch.waiting.resolve(true);
      else this.watched.delete(key); // busy: its loop reads on, and comes back when drained
    }
  }

  private expire(): void {
    const now = performance.now();
    for (const watch of this.watched.values()) {
      if (watch.waiting !== undefined && now >= watch.waiting.deadline) watch.waiting.resolve(false);
    }
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

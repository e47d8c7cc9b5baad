/**
 * Clients blocked in `XREAD BLOCK` or `WAIT`, and how they are woken (blocked.c of Redis 7.0): a
 * write that adds to a stream marks its key ready; once the command (or script, or transaction)
 * that wrote has finished, every client blocked on a ready key whose stream's last id is now above
 * the id it waits after is served, in the order the clients blocked. A block also ends when its
 * timeout passes on the store's clock, or with CLIENT UNBLOCK (as a timeout: a nil reply).
 */
import { compareIds, nextId, type StreamId } from './ids.js';
import type { Keyspace } from './keyspace.js';
import type { Reply } from '../reply.js';
import { entriesReply } from './reads.js';

/** What a blocked XREAD waits for. */
export interface BlockedRead {
  readonly keys: readonly string[];
  /** Per key: entries above this id. */
  readonly afterIds: readonly StreamId[];
  /** COUNT (1000 when not given, as Redis does for blocked reads). */
  readonly count: number;
}

/** A blocked client. */
export interface Waiter {
  readonly clientId: number;
  /** Undefined for WAIT, which no write wakes. */
  readonly read: BlockedRead | undefined;
  /** Called once, with the reply (nil on a timeout), inside an atomic step of the store. */
  readonly done: (reply: Reply) => void;
  /** When it times out on the store's clock (undefined: never). */
  readonly deadline: number | undefined;
  cancelTimer?: () => void;
}

/** The blocked clients of a store. */
export class Blocking {
  private readonly byKey = new Map<string, Waiter[]>();
  private readonly byClient = new Map<number, Waiter>();
  private readonly ready = new Set<string>();

  constructor(private readonly keys: Keyspace) {}

  /** Whether this client is blocked. */
  isBlocked(clientId: number): boolean {
    return this.byClient.has(clientId);
  }

  /** How many clients are blocked. */
  get size(): number {
    return this.byClient.size;
  }

  /** Blocks a client (it must not be blocked already). */
  add(waiter: Waiter): void {
    this.byClient.set(waiter.clientId, waiter);
    for (const key of waiter.read?.keys ?? []) {
      const list = this.byKey.get(key);
      if (list === undefined) this.byKey.set(key, [waiter]);
      else list.push(waiter);
    }
  }

  private remove(waiter: Waiter): boolean {
    if (this.byClient.get(waiter.clientId) !== waiter) return false;
    this.byClient.delete(waiter.clientId);
    waiter.cancelTimer?.();
    for (const key of waiter.read?.keys ?? []) {
      const list = this.byKey.get(key);
      if (list === undefined) continue;
      const rest = list.filter((w) => w !== waiter);
      if (rest.length === 0) this.byKey.delete(key);
      else this.byKey.set(key, rest);
    }
    return true;
  }

  /** A key was written to: its blocked clients are checked once the write has finished. */
  signal(key: string): void {
    if (this.byKey.has(key)) this.ready.add(key);
  }

  /** Whether keys wait to be served. */
  get hasReady(): boolean {
    return this.ready.size > 0;
  }

  /** Serves the clients blocked on ready keys (handleClientsBlockedOnKeys), until none is ready. */
  serveReady(): void {
    while (this.ready.size > 0) {
      const key = this.ready.values().next().value as string;
      this.ready.delete(key);
      for (const waiter of [...(this.byKey.get(key) ?? [])]) this.serveOne(key, waiter);
    }
  }

  private serveOne(key: string, waiter: Waiter): void {
    const value = this.keys.lookup(key);
    const read = waiter.read;
    if (value?.type !== 'stream' || read === undefined) return;
    const after = read.afterIds[read.keys.indexOf(key)] as StreamId;
    const stream = value.value;
    if (compareIds(stream.lastId, after) <= 0) return;
    const start = nextId(after);
    const entries = start === undefined ? [] : entriesReply(stream.range(start, stream.lastId, read.count));
    if (this.remove(waiter)) waiter.done([[key, entries]]);
  }

  /** Ends a block as if it had timed out (its timer fired, or CLIENT UNBLOCK); whether it was blocked. */
  timeOut(clientId: number, reply: Reply = null): boolean {
    const waiter = this.byClient.get(clientId);
    if (waiter === undefined || !this.remove(waiter)) return false;
    waiter.done(reply);
    return true;
  }

  /** Ends the blocks whose deadline has passed (for clocks without timers). */
  timeOutExpired(now: number): void {
    for (const waiter of [...this.byClient.values()]) {
      if (waiter.deadline !== undefined && waiter.deadline <= now) this.timeOut(waiter.clientId);
    }
  }

  /** Drops a client's block without a reply (its connection closed); whether it was blocked. */
  drop(clientId: number): boolean {
    const waiter = this.byClient.get(clientId);
    return waiter !== undefined && this.remove(waiter);
  }
}

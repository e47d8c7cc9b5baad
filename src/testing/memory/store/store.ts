/**
 * The in-memory model of the part of Redis the library uses: one keyspace, the clients blocked in
 * it, the clock it runs on and the few server settings the library reads. Every command and script
 * runs through {@link MemoryStore.atomically}: synchronously, with nothing else in between, and
 * with the clients blocked on the keys it wrote served right after it, as Redis serves them after
 * the command, script or transaction that wrote.
 */
import { systemClock, type Clock, type ClockTimers } from '../clock.js';
import { Blocking, type BlockedRead, type Waiter } from './blocking.js';
import { Keyspace, type Value } from './keyspace.js';
import type { Reply } from '../reply.js';

/** Options of a {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The clock: ids made by XADD, idle times, expiry, TIME. With `setTimer`, blocked reads and WAIT
   * time out by themselves as the clock passes their timeout; without it, call
   * {@link MemoryStore.tick} after moving the clock.
   * @default the system clock, with Node's timers
   */
  readonly clock?: Clock & Partial<ClockTimers>;
  /** How many replicas WAIT reports as having acknowledged. @default 0 */
  readonly replicas?: number;
  /** CONFIG GET answers. @default `maxmemory-policy` noeviction, `min-replicas-to-write` 0 */
  readonly config?: Readonly<Record<string, string>>;
}

const DEFAULT_CONFIG: Readonly<Record<string, string>> = {
  'maxmemory-policy': 'noeviction',
  'min-replicas-to-write': '0',
  maxmemory: '0',
};

/** The in-memory Redis. */
export class MemoryStore {
  readonly clock: Clock & Partial<ClockTimers>;
  readonly keys: Keyspace;
  readonly blocking: Blocking;
  /** CONFIG GET answers (parameter -> value). */
  readonly config: Map<string, string>;
  /** How many replicas WAIT reports. */
  replicas: number;
  /** How many commands, scripts and transactions have run (a test bus watches it to tell when work stops). */
  operations = 0;
  private depth = 0;
  private serving = false;
  private lastClientId = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.keys = new Keyspace({ now: () => this.now() }, (key, value) => this.added(key, value));
    this.blocking = new Blocking(this.keys);
    this.config = new Map(Object.entries({ ...DEFAULT_CONFIG, ...options.config }));
    this.replicas = options.replicas ?? 0;
  }

  /** The clock's time in whole ms (what Redis' mstime() gives). */
  now(): number {
    return Math.floor(this.clock.now());
  }

  private added(key: string, value: Value): void {
    if (value.type === 'stream') this.blocking.signal(key);
  }

  /** Marks a stream key as written to (its blocked readers are checked after this step). */
  signal(key: string): void {
    this.blocking.signal(key);
  }

  /** A new client id (CLIENT ID), unique in this store. */
  newClientId(): number {
    return ++this.lastClientId;
  }

  /**
   * Runs one command, script or transaction: synchronously, then serves the clients blocked on the
   * keys it wrote (also when it threw: writes made before an error stay, as in Redis).
   */
  atomically<T>(step: () => T): T {
    if (this.depth === 0) this.operations++;
    this.depth++;
    try {
      return step();
    } finally {
      this.depth--;
      if (this.depth === 0 && !this.serving && this.blocking.hasReady) this.serve();
    }
  }

  private serve(): void {
    this.serving = true;
    try {
      this.blocking.serveReady();
    } finally {
      this.serving = false;
    }
  }

  /**
   * Blocks client `clientId` until `read` can be served (XREAD BLOCK) or, without `read`, until the
   * timeout (WAIT); `timeoutMs` 0 waits forever. `done` gets the reply (nil on a timeout) inside an
   * atomic step, so what it runs next (the script sent behind the wait) runs at once.
   */
  block(clientId: number, read: BlockedRead | undefined, timeoutMs: number, done: (reply: Reply) => void): void {
    const deadline = timeoutMs > 0 ? this.now() + timeoutMs : undefined;
    const waiter: Waiter = { clientId, read, deadline, done: (reply) => this.atomically(() => done(reply)) };
    this.blocking.add(waiter);
    if (deadline !== undefined && this.clock.setTimer !== undefined) {
      waiter.cancelTimer = this.clock.setTimer(timeoutMs, () => this.unblock(clientId));
    }
  }

  /** CLIENT UNBLOCK: ends a block as a timeout; whether the client was blocked. */
  unblock(clientId: number, reply: Reply = null): boolean {
    return this.atomically(() => this.blocking.timeOut(clientId, reply));
  }

  /** Ends the blocks whose timeout has passed: for a clock without `setTimer`, after moving it. */
  tick(): void {
    this.atomically(() => this.blocking.timeOutExpired(this.now()));
  }

  /** FLUSHALL: drops every key (blocked clients stay blocked, as in Redis). */
  flush(): void {
    this.keys.clear();
  }
}

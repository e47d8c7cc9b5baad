/**
 * Where a channel consumer reads and waits, and on how many connections: the cost of the library
 * grows with the traffic, not with the number of channels.
 *
 * - With few channels (at most {@link DEDICATED_LIMIT} subscribed), each channel has a connection
 *   of its own: a wait is `XREAD BLOCK` with the guarded read queued behind it in the same write,
 *   so a new entry reaches the handler in one round trip (the lowest latency).
 * - With more, channels share: idle channels wait together on at most {@link MAX_WAITERS}
 *   connections (one `XREAD BLOCK` over many streams each, see waiter.ts), and every read goes
 *   through one shared read connection, pipelined. An idle channel does no read of its own until
 *   an entry comes (or, once per half staleGroupMs, one read that keeps its consumer seen).
 *
 * Connections of one process on one server: 1 (commands) + one per channel when there are at most
 * two channels; otherwise 1 + 1 (reads) + up to 6 (waits), whatever the number of channels. On a
 * cluster: 1 + 1 + one wait connection per hash slot for up to 6 slots (channels of further slots
 * are polled every 100 ms on the reads connection); each of these is a cluster client, with a
 * socket to each primary it sends to.
 */
import type { Connections } from '../connection/connections.js';
import type { RedisPort } from '../connection/port.js';
import type { GuardedReader, GuardedTake } from '../delivery/guarded-read.js';
import type { ErrorContext } from '../events.js';
import { keySlot, replayKey } from '../naming.js';
import type { Clock } from '../timers.js';
import { ReadConnection } from './read-connection.js';
import { Waiter, type WaiterTiming } from './waiter.js';

/** Channels up to which each has a connection of its own. */
export const DEDICATED_LIMIT = 2;
/**
 * The most connections idle channels share to wait: with the command and the reads connections, 8
 * per process. Every wake sends a waiter's XREAD again with all its streams, so the client's cost
 * per message grows with the channels per waiter (measured at 1,000 channels: CPU per message
 * 1.64x the 10-channel run with 4 waiters, 1.25-1.36x with 6).
 */
export const MAX_WAITERS = 6;

/** How one channel reads. */
export interface ReadPath {
  /** Reads a batch now (the stream has entries, or may have). */
  take(reader: GuardedReader, count: number): Promise<GuardedTake>;
  /** Waits for an entry above `afterId` (up to blockMs), then reads a batch. */
  waitThenTake(reader: GuardedReader, afterId: string, count: number): Promise<GuardedTake>;
  /** Runs another read on the path's read connection (replays, recovery), under its watchdog. */
  run<T>(read: (port: RedisPort) => Promise<T>): Promise<T>;
  /** Whether the last failure was the watchdog replacing a hung connection (and resets it). */
  takeReplaced(): boolean;
  /** Sleeps up to `ms`, ending early when the read connection is ready again or `signal` aborts. */
  untilReadyOr(ms: number, signal: AbortSignal): Promise<void>;
  /** Calls `listener` when replies of reads in flight may have been lost with a connection. */
  onLost(listener: () => void): void;
  /** Ends a wait in progress (on stop). */
  interrupt(): void;
  /** Gives the path back (closing what it owns alone). */
  close(): Promise<void>;
}

/** What the paths need. */
export interface ReadPathsDeps {
  readonly connections: Connections;
  readonly command: () => Promise<RedisPort>;
  readonly blockMs: number;
  /** How many channels are subscribed now. */
  readonly channelCount: () => number;
  readonly report: (err: unknown, context: ErrorContext) => void;
  /** staleGroupMs: a group whose consumers read less often than this looks stale. */
  readonly options: { readonly staleGroupMs: number };
  /** The clock of the watchdogs, waiters and backoffs. */
  readonly clock: Clock;
}

/** The read paths of one consume run; closes the shared connections when the run ends. */
export class ReadPaths {
  private reader: ReadConnection | undefined;
  /** Blocking waiters: by index on one server (channels hashed over them), by slot on a cluster. */
  private readonly waiters = new Map<number, Waiter>();
  /** On a cluster, the polling waiter of the slots no blocking waiter serves. */
  private poller: Waiter | undefined;

  constructor(private readonly deps: ReadPathsDeps) {}

  /** The path of a channel starting to consume for `group`. */
  forChannel(channel: string, group: string, stop: AbortSignal): ReadPath {
    const { connections, blockMs, command, clock } = this.deps;
    if (this.deps.channelCount() <= DEDICATED_LIMIT) {
      const own = new ReadConnection(connections, `channel:${channel}`, blockMs, clock);
      return new DedicatedPath(own, blockMs, command);
    }
    const reader = (this.reader ??= new ReadConnection(connections, 'reads', blockMs, clock));
    const watch = { key: channel, replayKey: replayKey(channel, group) };
    return new SharedPath(watch, reader, this.waiterFor(channel, reader), stop);
  }

  /** When the shared waiters block and look: a liveness read every half staleGroupMs, at least blockMs. */
  private timing(): WaiterTiming {
    const { blockMs, options, clock } = this.deps;
    return { blockMs, livenessMs: Math.max(blockMs, Math.floor(options.staleGroupMs / 2)), clock };
  }

  /** Closes the shared connections. */
  async close(): Promise<void> {
    const waiters = [...this.waiters.values(), ...(this.poller === undefined ? [] : [this.poller])];
    this.waiters.clear();
    this.poller = undefined;
    await Promise.all(waiters.map((w) => w.close()));
    const reader = this.reader;
    this.reader = undefined;
    await reader?.close();
  }

  /**
   * One server: the channels are hashed over {@link MAX_WAITERS} blocking waiters. A cluster: the
   * channels of one slot share a blocking waiter while there are at most {@link MAX_WAITERS};
   * the other slots' channels go to the polling waiter (on the shared read connection).
   */
  private waiterFor(channel: string, reader: ReadConnection): Waiter {
    const { connections, blockMs, command, report, clock } = this.deps;
    const cluster = connections.cluster;
    const index = cluster ? keySlot(channel) : hash(channel) % MAX_WAITERS;
    const existing = this.waiters.get(index);
    if (existing !== undefined) return existing;
    if (this.waiters.size < MAX_WAITERS) {
      const connection = new ReadConnection(connections, `waits:${index}`, blockMs, clock);
      const waiter = new Waiter(connection, 'block', this.timing(), command, report, undefined);
      this.waiters.set(index, waiter);
      return waiter;
    }
    this.poller ??= new Waiter(reader, 'poll', this.timing(), command, report, keySlot);
    return this.poller;
  }
}

/** A channel with a connection of its own: waits and reads on it, the read queued behind the wait. */
class DedicatedPath implements ReadPath {
  constructor(
    private readonly connection: ReadConnection,
    private readonly blockMs: number,
    private readonly command: () => Promise<RedisPort>,
  ) {}

  take(reader: GuardedReader, count: number): Promise<GuardedTake> {
    return this.connection.watch((port) => reader.take(port, count));
  }

  waitThenTake(reader: GuardedReader, afterId: string, count: number): Promise<GuardedTake> {
    const wait = { afterId, blockMs: this.blockMs };
    return this.connection.watch((port) => reader.waitThenTake(port, wait, count), true);
  }

  run<T>(read: (port: RedisPort) => Promise<T>): Promise<T> {
    return this.connection.watch(read);
  }

  takeReplaced(): boolean {
    return this.connection.takeReplaced();
  }

  untilReadyOr(ms: number, signal: AbortSignal): Promise<void> {
    return this.connection.untilReadyOr(ms, signal);
  }

  onLost(listener: () => void): void {
    this.connection.onLost(listener);
  }

  interrupt(): void {
    void this.connection.unblock(this.command);
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

/** A channel among many: waits on a shared waiter, reads on the shared read connection. */
class SharedPath implements ReadPath {
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly watch: { readonly key: string; readonly replayKey: string },
    private readonly connection: ReadConnection,
    private readonly waiter: Waiter,
    private readonly stop: AbortSignal,
  ) {}

  take(reader: GuardedReader, count: number): Promise<GuardedTake> {
    return this.connection.watch((port) => reader.take(port, count));
  }

  /** Waits without a deadline of its own (the waiter wakes it when there is something to read). */
  async waitThenTake(reader: GuardedReader, afterId: string, count: number): Promise<GuardedTake> {
    const { key, replayKey } = this.watch;
    const woke = await this.waiter.wait(key, afterId, replayKey, this.stop);
    // Stopped while waiting: nothing is read any more.
    if (!woke && this.stop.aborted) return nothingRead(afterId);
    return { ...(await this.take(reader, count)), woke: true };
  }

  run<T>(read: (port: RedisPort) => Promise<T>): Promise<T> {
    return this.connection.watch(read);
  }

  takeReplaced(): boolean {
    return this.connection.takeReplaced();
  }

  untilReadyOr(ms: number, signal: AbortSignal): Promise<void> {
    return this.connection.untilReadyOr(ms, signal);
  }

  onLost(listener: () => void): void {
    this.unlisten = this.connection.onLost(listener);
  }

  interrupt(): void {
    // The wait ends on the stop signal it was given.
  }

  close(): Promise<void> {
    this.waiter.leave(this.watch.key);
    this.unlisten?.();
    return Promise.resolve();
  }
}

/** The outcome of a wait that ended without a read (the loop is stopping). */
function nothingRead(afterId: string): GuardedTake {
  const lastDeliveredId = afterId === '$' ? '' : afterId;
  return {
    entries: [],
    skipped: [],
    lastDeliveredId,
    pending: -1,
    replays: false,
    woke: false,
    movedForward: undefined,
    unguarded: false,
  };
}

/** A small string hash (FNV-1a), to spread channels over the waiters. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

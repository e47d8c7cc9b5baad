/**
 * Counters kept in this process, and the shape of `getStats()`. A leaf module: it imports nothing
 * of the library.
 */

/** Where a connection stands. */
export type ConnectionState = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'closed' | 'failed';

/** A connection's state as `getStats()` reports it. Never carries a credential. */
export interface ConnectionStatus {
  /** What the connection is for: `command`, `channel:orders`... */
  readonly name: string;
  /** `host:port`. */
  readonly endpoint: string;
  /** `failed` means closed for good by a configuration error (a database that does not exist). */
  readonly state: ConnectionState;
  /** The last error met on this connection, or null. */
  readonly lastError: string | null;
  /** Its error code (`ERR_AUTH`, `ERR_CONNECTION`, `ERR_CONFIG`...), or null. */
  readonly lastErrorCode: string | null;
  /** When it happened (ms since the epoch), or null. */
  readonly lastErrorAt: number | null;
  /** Reconnect attempts since the connection was opened. */
  readonly reconnects: number;
}

/** Message counters, per channel and in total. */
export interface Counters {
  /** Messages published by this streamer. */
  published: number;
  /** Entries read from Redis for handling (fresh, retried and reclaimed). */
  delivered: number;
  /** Entries whose handlers all succeeded. */
  handled: number;
  /** Handling attempts in which at least one handler failed. */
  failed: number;
  /** Entries skipped because the group had handed them out before (dedup guard), or replays meant for another group. */
  deduplicated: number;
  /** Entries moved to the dead-letter stream. */
  deadLettered: number;
  /** Retry attempts (at-least-once mode). */
  retried: number;
  /** Entries taken over from other consumers (at-least-once mode). */
  reclaimed: number;
  /** Entries removed by retention although a group had not read them. */
  trimmedUnread: number;
  /** Dead letters dropped by the dead-letter stream's cap or age limit. */
  deadLettersDropped: number;
  /**
   * Failure records (retry schedules) removed by maintenance because their entry was no longer
   * pending in its group: the group was destroyed, which drops its pending list (those entries are
   * not retried).
   */
  retryRecordsRemoved: number;
}

/** A zeroed {@link Counters}. */
export function newCounters(): Counters {
  return {
    published: 0,
    delivered: 0,
    handled: 0,
    failed: 0,
    deduplicated: 0,
    deadLettered: 0,
    retried: 0,
    reclaimed: 0,
    trimmedUnread: 0,
    deadLettersDropped: 0,
    retryRecordsRemoved: 0,
  };
}

/** One channel's counters; the parts of a consumer count through it, never by editing fields. */
export class CounterSet {
  private readonly values: Counters = newCounters();

  /** Adds `n` (default 1) to a counter. */
  add(counter: keyof Counters, n = 1): void {
    this.values[counter] += n;
  }

  /** A copy of the current values. */
  snapshot(): Counters {
    return { ...this.values };
  }
}

/** Adds `b` into `a`. */
export function addCounters(a: Counters, b: Readonly<Counters>): Counters {
  for (const key of Object.keys(a) as Array<keyof Counters>) a[key] += b[key];
  return a;
}

/** What Redis says about this service's group on one channel. */
export interface GroupStats {
  /** The group name. */
  readonly group: string;
  /** Entries not yet delivered to the group (null when Redis cannot tell). */
  readonly lag: number | null;
  /** Entries delivered and not acknowledged. */
  readonly pending: number;
  /** Age of the oldest pending entry in ms (from its id's time), null when none. */
  readonly oldestPendingAgeMs: number | null;
  /** How many consumers the group has. */
  readonly consumerCount: number;
  /** Entries in the channel's dead-letter stream (all groups). */
  readonly deadLetters: number;
  /** Other groups on the channel with no live consumer: they no longer hold retention back. */
  readonly staleGroups: readonly string[];
}

/** Per-channel stats: this process's counters and, when Redis answered, the group's state. */
export interface ChannelStats extends Counters {
  /** The group's state in Redis, or null when it could not be read. */
  readonly redis: GroupStats | null;
  /** Why `redis` is null. */
  readonly redisError?: string;
}

/** What `getStats()` returns. The first seven fields are dtpyfw's, in camelCase. */
export interface StreamerStats extends Counters {
  /** The sanitized service name. */
  readonly service: string;
  /** This instance's consumer name. */
  readonly consumer: string;
  /** Subscribed channels. */
  readonly subscriptions: number;
  /** The subscribed channel names. */
  readonly channels: readonly string[];
  /** The dedup window in ms. */
  readonly dedupWindowMs: number;
  /** Server time (ms) of the last ledger maintenance, 0 if none ran yet. */
  readonly lastLedgerCleanup: number;
  /** Whether the maintenance timers are running (between persistConsume and stop). */
  readonly maintenanceRunning: boolean;
  /** The delivery mode. */
  readonly delivery: 'at-most-once' | 'at-least-once';
  /** The dedup guard in use. */
  readonly dedupGuard: 'watermark' | 'ledger';
  /** Whether persistConsume is running. */
  readonly consuming: boolean;
  /** Every open connection: its state and last error (never a credential). */
  readonly connections: readonly ConnectionStatus[];
  /** Per subscribed or registered channel. */
  readonly perChannel: Readonly<Record<string, ChannelStats>>;
}

/** The counters of every channel a streamer has touched, created on first use. */
export class ChannelCounters {
  private readonly byChannel = new Map<string, CounterSet>();

  /** The counters of one channel. */
  of(channel: string): CounterSet {
    let counters = this.byChannel.get(channel);
    if (counters === undefined) {
      counters = new CounterSet();
      this.byChannel.set(channel, counters);
    }
    return counters;
  }

  /** The channels with counters. */
  channels(): string[] {
    return [...this.byChannel.keys()];
  }
}

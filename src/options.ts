/**
 * Every option of the library, documented with its default, and the checks that turn a bad value
 * into a {@link ConfigError} that says what is expected.
 */
import { ConfigError } from './errors.js';
import type { StreamerHooks } from './hooks.js';
import type { Logger } from './logger.js';
import { defaultLogger } from './logger.js';

/** Delivery guarantee per consumer group. */
export type DeliveryMode = 'at-most-once' | 'at-least-once';

/** The dedup guard: `hwm` keeps O(1) memory per group; `zset` is dtpyfw's ledger. */
export type LedgerKind = 'hwm' | 'zset';

/** Options of `new RedisStreamer(redis, consumerName, options)`. */
export interface RedisStreamerOptions {
  /**
   * How long the dedup guard remembers what a group handed out, in ms. Within it, no entry reaches
   * the handlers of a group twice, even after the group is deleted and re-created from `0-0`.
   * @default 604800000 (7 days)
   */
  readonly dedupWindowMs?: number;
  /**
   * `at-most-once`: an entry is handed out once and never redelivered; a handler failure or a crash
   * mid-handling loses it (into the dead-letter stream for failures).
   * `at-least-once`: an entry is acknowledged only after every handler succeeded; failures are
   * retried with backoff, entries of dead consumers are reclaimed, and after `maxAttempts` the
   * entry goes to the dead-letter stream.
   * @default 'at-most-once'
   */
  readonly delivery?: DeliveryMode;
  /**
   * The dedup guard. `hwm`: a per-group high-water mark of handed-out ids, O(1) memory, exact
   * because a group hands out ids in increasing order. `zset`: dtpyfw's ledger
   * `stream:<channel>:group:<group>:processed` (one member per entry); use it when dtpyfw
   * processes share the group.
   * @default 'hwm'
   */
  readonly ledger?: LedgerKind;
  /**
   * At-least-once: attempts (deliveries) before an entry goes to the dead-letter stream.
   * @default 5
   */
  readonly maxAttempts?: number;
  /**
   * At-least-once: the first retry waits about this long (ms); each next one twice as long, with
   * jitter, up to `retryMaxMs`.
   * @default 1000
   */
  readonly retryBaseMs?: number;
  /**
   * At-least-once: the longest wait between retries, in ms.
   * @default 60000
   */
  readonly retryMaxMs?: number;
  /**
   * At-least-once: an entry pending this long (ms) with no sign of life is taken over by another
   * consumer. Live consumers renew their in-flight entries every `claimIdleMs / 3`, so long
   * handlers are not taken over.
   * @default 30000
   */
  readonly claimIdleMs?: number;
  /**
   * At-least-once: how often (ms) the pending list is swept for retries and dead consumers' entries.
   * @default 1000
   */
  readonly claimIntervalMs?: number;
  /**
   * Consumers of this service's groups idle longer than this (ms) and owning no pending entry are
   * removed from the group during maintenance.
   * @default 86400000 (24 h)
   */
  readonly consumerIdleMs?: number;
  /**
   * A group whose consumers have all been idle longer than this (ms) is stale: retention stops
   * waiting for it, and stats report it.
   * @default 86400000 (24 h)
   */
  readonly staleGroupMs?: number;
  /**
   * Largest message (name plus body, UTF-8 bytes) published or handled. Larger entries read from a
   * stream go to the dead-letter stream with reason `too-large`.
   * @default 1048576 (1 MiB)
   */
  readonly maxMessageBytes?: number;
  /**
   * How long `stopConsuming()` waits for running handlers before it closes the connections anyway
   * (at-least-once entries left unfinished are redelivered later), in ms.
   * @default 30000
   */
  readonly shutdownTimeoutMs?: number;
  /**
   * Where the library logs.
   * @default warnings and errors to stderr
   */
  readonly logger?: Logger;
  /**
   * Callbacks where a message is published, handled, failed and dead-lettered.
   * @default {}
   */
  readonly hooks?: StreamerHooks;
}

/** Options of `subscribe(channel, options)`. */
export interface SubscribeOptions {
  /**
   * When the group is created: `true` starts at new messages only (`$`), `false` at the beginning
   * of the stream (`0-0`). An existing group keeps its position.
   * @default true
   */
  readonly startFromLatest?: boolean;
  /**
   * Entries of this channel handled at the same time by this process. 1 keeps stream order.
   * @default 1
   */
  readonly concurrency?: number;
  /**
   * With `concurrency > 1`: entries with the same key are handled one after another, in stream
   * order; different keys run in parallel. Return `undefined` for no ordering.
   * @default undefined
   */
  readonly orderingKey?: (payload: unknown, name: string) => string | number | undefined;
}

/** Options of `registerChannel(channel, options)`. */
export interface ChannelOptions {
  /**
   * Entries older than this (ms) are trimmed by maintenance, unless a live group has not read
   * them yet.
   * @default 86400000 (24 h)
   */
  readonly retentionMs?: number;
  /**
   * A hard cap on the stream's length, applied by maintenance even to unread entries (each such
   * drop is counted and reported by the 'trimmedUnread' event).
   * @default undefined (no cap)
   */
  readonly maxLen?: number;
}

/** Options of `persistConsume(options)`. */
export interface ConsumeOptions {
  /**
   * After a read that found nothing, wait this long (ms) before the next; doubled after each empty
   * read up to 2 s, reset as soon as data comes. Never applied after a read that returned entries.
   * @default 100
   */
  readonly restMs?: number;
  /**
   * How long one blocking read waits for new entries, in ms (never 0: the loop must wake up to
   * check its health and for shutdown).
   * @default 5000
   */
  readonly blockMs?: number;
  /**
   * Entries per read. Grows (doubling, up to `maxCount`) while batches come back full and the
   * handlers keep up.
   * @default 32
   */
  readonly count?: number;
  /**
   * Largest adaptive batch.
   * @default 1024
   */
  readonly maxCount?: number;
  /**
   * How often retention trimming and consumer hygiene run, in ms.
   * @default 300000 (5 min)
   */
  readonly cleanupIntervalMs?: number;
  /**
   * How often the dedup ledger is trimmed to the dedup window, in ms.
   * @default 300000 (5 min)
   */
  readonly ledgerIntervalMs?: number;
  /**
   * Aborting it stops consumption, like `stopConsuming()`.
   * @default undefined
   */
  readonly signal?: AbortSignal;
}

/** {@link RedisStreamerOptions} with every default filled in. */
export interface ResolvedStreamerOptions {
  readonly dedupWindowMs: number;
  readonly delivery: DeliveryMode;
  readonly ledger: LedgerKind;
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly claimIdleMs: number;
  readonly claimIntervalMs: number;
  readonly consumerIdleMs: number;
  readonly staleGroupMs: number;
  readonly maxMessageBytes: number;
  readonly shutdownTimeoutMs: number;
  readonly logger: Logger;
  readonly hooks: StreamerHooks;
}

/** {@link ConsumeOptions} with defaults filled in. */
export interface ResolvedConsumeOptions {
  readonly restMs: number;
  readonly blockMs: number;
  readonly count: number;
  readonly maxCount: number;
  readonly cleanupIntervalMs: number;
  readonly ledgerIntervalMs: number;
}

const DAY = 86_400_000;
/** The longest delay a Node.js timer takes (longer ones fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Fills in defaults and validates. */
export function resolveStreamerOptions(options: RedisStreamerOptions = {}): ResolvedStreamerOptions {
  const resolved: ResolvedStreamerOptions = {
    dedupWindowMs: integer('dedupWindowMs', options.dedupWindowMs ?? 7 * DAY, 1),
    delivery: oneOf('delivery', options.delivery ?? 'at-most-once', ['at-most-once', 'at-least-once'] as const),
    ledger: oneOf('ledger', options.ledger ?? 'hwm', ['hwm', 'zset'] as const),
    maxAttempts: integer('maxAttempts', options.maxAttempts ?? 5, 1),
    retryBaseMs: integer('retryBaseMs', options.retryBaseMs ?? 1000, 1),
    retryMaxMs: integer('retryMaxMs', options.retryMaxMs ?? 60_000, 1),
    claimIdleMs: timer('claimIdleMs', options.claimIdleMs ?? 30_000, 3),
    claimIntervalMs: timer('claimIntervalMs', options.claimIntervalMs ?? 1000, 1),
    consumerIdleMs: integer('consumerIdleMs', options.consumerIdleMs ?? DAY, 1),
    staleGroupMs: integer('staleGroupMs', options.staleGroupMs ?? DAY, 1),
    maxMessageBytes: integer('maxMessageBytes', options.maxMessageBytes ?? 1024 * 1024, 1),
    shutdownTimeoutMs: timer('shutdownTimeoutMs', options.shutdownTimeoutMs ?? 30_000, 1),
    logger: options.logger ?? defaultLogger,
    hooks: options.hooks ?? {},
  };
  if (resolved.retryMaxMs < resolved.retryBaseMs) {
    throw new ConfigError(`retryMaxMs (${resolved.retryMaxMs}) must be >= retryBaseMs (${resolved.retryBaseMs})`);
  }
  return resolved;
}

/** Fills in defaults and validates. */
export function resolveConsumeOptions(options: ConsumeOptions = {}): ResolvedConsumeOptions {
  const count = integer('count', options.count ?? 32, 1);
  return {
    restMs: timer('restMs', options.restMs ?? 100, 0),
    blockMs: timer('blockMs', options.blockMs ?? 5000, 1),
    count,
    maxCount: Math.max(count, integer('maxCount', options.maxCount ?? 1024, 1)),
    cleanupIntervalMs: timer('cleanupIntervalMs', options.cleanupIntervalMs ?? 300_000, 1),
    ledgerIntervalMs: timer('ledgerIntervalMs', options.ledgerIntervalMs ?? 300_000, 1),
  };
}

/** Validates subscribe options. */
export function resolveSubscribeOptions(
  options: SubscribeOptions = {},
): Required<Omit<SubscribeOptions, 'orderingKey'>> & Pick<SubscribeOptions, 'orderingKey'> {
  const concurrency = integer('concurrency', options.concurrency ?? 1, 1);
  if (options.startFromLatest !== undefined && typeof options.startFromLatest !== 'boolean') {
    throw new ConfigError(`startFromLatest must be a boolean, got ${JSON.stringify(options.startFromLatest)}`);
  }
  if (options.orderingKey !== undefined && typeof options.orderingKey !== 'function') {
    throw new ConfigError('orderingKey must be a function (payload, name) => key');
  }
  return {
    startFromLatest: options.startFromLatest ?? true,
    concurrency,
    ...(options.orderingKey === undefined ? {} : { orderingKey: options.orderingKey }),
  };
}

/** Validates channel options. */
export function resolveChannelOptions(options: ChannelOptions = {}): {
  retentionMs: number;
  maxLen: number | undefined;
} {
  return {
    retentionMs: integer('retentionMs', options.retentionMs ?? DAY, 1),
    maxLen: options.maxLen === undefined ? undefined : integer('maxLen', options.maxLen, 1),
  };
}

/** Checks a channel name. */
export function checkChannel(channel: unknown): string {
  if (typeof channel !== 'string' || channel === '') {
    throw new ConfigError(`a channel name must be a non-empty string, got ${JSON.stringify(channel)}`);
  }
  return channel;
}

/** A whole number of ms that a timer can wait for (Node fires longer delays at once). */
function timer(name: string, value: number, min: number): number {
  integer(name, value, min);
  if (value > MAX_TIMER_MS)
    throw new ConfigError(`${name} must be at most ${MAX_TIMER_MS} ms (about 24.8 days), got ${value}`);
  return value;
}

function integer(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw new ConfigError(`${name} must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

function oneOf<T extends string>(name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value))
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got ${String(value)}`);
  return value;
}

/**
 * Every option of the streamer, documented with its default. Types only: resolve-options.ts fills
 * in the defaults and checks the values against option-specs.ts.
 */
import type { GuardKind } from './delivery/guarded-read.js';
import type { StreamerHooks } from './hooks.js';
import type { Middleware } from './middleware.js';
import type { Logger } from './logger.js';

/** Delivery guarantee per consumer group. */
export type DeliveryMode = 'at-most-once' | 'at-least-once';

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
   * The dedup guard. `watermark`: a per-group mark of the highest id handed out, O(1) memory, exact
   * because a group hands out ids in increasing order. `ledger`: the mark plus dtpyfw's ledger
   * `stream:<channel>:group:<group>:processed` (one ZSET member per entry, a second round trip per
   * batch); use it when dtpyfw processes share the group, since they consult the ledger.
   * @default 'watermark'
   */
  readonly dedupGuard?: GuardKind;
  /**
   * The most records a channel's dead-letter stream keeps; older ones are dropped (and counted in
   * `deadLettersDropped`) as new ones arrive, so a steady poison source cannot fill Redis.
   * @default 10000
   */
  readonly deadLetterMaxLen?: number;
  /**
   * Dead letters older than this (ms) are dropped by maintenance (and counted).
   * @default 604800000 (7 days)
   */
  readonly deadLetterRetentionMs?: number;
  /**
   * Handler middleware, outermost first: functions around the handling of every message (see
   * {@link Middleware}). More can be added with `streamer.use()`.
   * @default []
   */
  readonly middleware?: readonly Middleware[];
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
   * stream go to the dead-letter stream with reason `too-large`. At most 536870912 (512 MiB, the
   * largest string Redis takes by default).
   * @default 1048576 (1 MiB)
   */
  readonly maxMessageBytes?: number;
  /**
   * How long (ms) a publish's `idempotencyKey` is remembered per channel: a second publish with the
   * same key within this window appends nothing and resolves to the first one's id. At most
   * 315360000000 (10 years).
   * @default 86400000 (24 h)
   */
  readonly publishDedupWindowMs?: number;
  /**
   * How many times a publish with an `idempotencyKey` is sent again (with backoff) after a failure
   * that leaves it in doubt or that passes (a dropped connection, a failover). Publishes without a
   * key are never sent again by the library. The backoff grows from 50 ms to 2 s: the default retries
   * for about 5.6-11 s in all, longer than a Sentinel or Cluster failover takes.
   * @default 10
   */
  readonly publishRetries?: number;
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

/**
 * Options of `subscribe(channel, options)`. On a channel with a contract, `Payload` and `Name` are
 * its events' payloads and names (for `orderingKey`).
 */
export interface SubscribeOptions<Payload = unknown, Name extends string = string> {
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
  readonly orderingKey?: (payload: Payload, name: Name) => string | number | undefined;
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
   * Largest adaptive batch; at least `count` (a smaller one is a ConfigError).
   * @default 1024, or `count` when that is larger
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
  readonly dedupGuard: GuardKind;
  readonly deadLetterMaxLen: number;
  readonly deadLetterRetentionMs: number;
  readonly middleware: readonly Middleware[];
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly claimIdleMs: number;
  readonly claimIntervalMs: number;
  readonly consumerIdleMs: number;
  readonly staleGroupMs: number;
  readonly maxMessageBytes: number;
  readonly publishDedupWindowMs: number;
  readonly publishRetries: number;
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

/** Options of `deadLetters(channel).list(options)`. */
export interface DeadLetterListOptions {
  /**
   * At most this many dead letters.
   * @default 100
   */
  readonly count?: number;
  /**
   * The first dead-letter id to include; prefix it with `(` to exclude it.
   * @default '-' (the oldest)
   */
  readonly start?: string;
}

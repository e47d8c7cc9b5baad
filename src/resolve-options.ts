/**
 * The checks of the streamer's options (and of a connection's): they fill in the defaults and turn a
 * bad value (from a plain JavaScript caller too: a non-object, an unknown key, a wrong type) into a
 * {@link ConfigError} that says what is expected, by the specs of option-specs.ts.
 */
import type { RedisConnectionOptions } from './connection/connection-options.js';
import { ConfigError } from './errors.js';
import type { HandlerOptions } from './handlers.js';
import { defaultLogger } from './logger.js';
import { libraryKeyMeaning, reservedChannel } from './naming.js';
import { CHANNEL, CONNECTION, CONSUME, HANDLER, LIST, STREAMER, SUBSCRIBE } from './option-specs.js';
import type {
  ChannelOptions,
  ConsumeOptions,
  DeadLetterListOptions,
  RedisStreamerOptions,
  ResolvedConsumeOptions,
  ResolvedStreamerOptions,
  SubscribeOptions,
} from './options.js';
import { checkOptions, describe } from './validate.js';

const DAY = 86_400_000;
/** Fills in defaults and validates. */
export function resolveStreamerOptions(options: RedisStreamerOptions = {}): ResolvedStreamerOptions {
  const o = checkOptions(STREAMER, options);
  const resolved: ResolvedStreamerOptions = {
    dedupWindowMs: o.dedupWindowMs ?? 7 * DAY,
    delivery: o.delivery ?? 'at-most-once',
    dedupGuard: o.dedupGuard ?? 'watermark',
    deadLetterMaxLen: o.deadLetterMaxLen ?? 10_000,
    deadLetterRetentionMs: o.deadLetterRetentionMs ?? 7 * DAY,
    middleware: o.middleware ?? [],
    maxAttempts: o.maxAttempts ?? 5,
    retryBaseMs: o.retryBaseMs ?? 1000,
    retryMaxMs: o.retryMaxMs ?? 60_000,
    claimIdleMs: o.claimIdleMs ?? 30_000,
    claimIntervalMs: o.claimIntervalMs ?? 1000,
    consumerIdleMs: o.consumerIdleMs ?? DAY,
    staleGroupMs: o.staleGroupMs ?? DAY,
    maxMessageBytes: o.maxMessageBytes ?? 1024 * 1024,
    publishDedupWindowMs: o.publishDedupWindowMs ?? DAY,
    publishRetries: o.publishRetries ?? 10,
    shutdownTimeoutMs: o.shutdownTimeoutMs ?? 30_000,
    logger: o.logger ?? defaultLogger,
    hooks: o.hooks ?? {},
  };
  if (resolved.retryMaxMs < resolved.retryBaseMs) {
    throw new ConfigError(`retryMaxMs (${resolved.retryMaxMs}) must be >= retryBaseMs (${resolved.retryBaseMs})`);
  }
  return resolved;
}

/** Fills in defaults and validates (`signal` is checked, not returned). */
export function resolveConsumeOptions(options: ConsumeOptions = {}): ResolvedConsumeOptions {
  const o = checkOptions(CONSUME, options);
  const count = o.count ?? 32;
  if (o.maxCount !== undefined && o.maxCount < count) {
    throw new ConfigError(
      `persistConsume(): option \`count\` (${count}) must be at most \`maxCount\` (${o.maxCount}): a batch never grows beyond maxCount`,
    );
  }
  return {
    restMs: o.restMs ?? 100,
    blockMs: o.blockMs ?? 5000,
    count,
    maxCount: Math.max(count, o.maxCount ?? 1024),
    cleanupIntervalMs: o.cleanupIntervalMs ?? 300_000,
    ledgerIntervalMs: o.ledgerIntervalMs ?? 300_000,
  };
}

/** Validates subscribe options. */
export function resolveSubscribeOptions(
  options: SubscribeOptions = {},
): Required<Omit<SubscribeOptions, 'orderingKey'>> & Pick<SubscribeOptions, 'orderingKey'> {
  const o = checkOptions(SUBSCRIBE, options);
  return {
    startFromLatest: o.startFromLatest ?? true,
    concurrency: o.concurrency ?? 1,
    ...(o.orderingKey === undefined ? {} : { orderingKey: o.orderingKey }),
  };
}

/** Validates channel options; `call` is the method called, as messages name it. */
export function resolveChannelOptions(
  options: ChannelOptions = {},
  call: 'setRetention()' | 'registerChannel()' = 'setRetention()',
): {
  retentionMs: number;
  maxLen: number | undefined;
} {
  const o = checkOptions(call === CHANNEL.call ? CHANNEL : { ...CHANNEL, call }, options);
  return { retentionMs: o.retentionMs ?? DAY, maxLen: o.maxLen };
}

/** Validates the options of `registerHandler(channel, handler, options)`. */
export function resolveHandlerOptions(options: HandlerOptions = {}): { readonly name: string | undefined } {
  return { name: checkOptions(HANDLER, options).name };
}

/**
 * Validates the options object of `new RedisInstance(options)`: unknown keys (cluster nodes among
 * them) and values of the wrong type are ConfigErrors; a password is never shown in a message.
 * A string is taken as `{ url }`. Returns the known options, `null` ones left out.
 */
export function checkConnectionOptions(options: string | RedisConnectionOptions = {}): RedisConnectionOptions {
  if (typeof options === 'string') return { url: options };
  return checkOptions(CONNECTION, options);
}

/** Validates the options of `deadLetters(channel).list(options)`; `null` ones are left out. */
export function checkListOptions(options: DeadLetterListOptions = {}): DeadLetterListOptions {
  return checkOptions(LIST, options);
}

/**
 * Checks a channel name, the first argument of `call` ("subscribe()"): a non-empty string, and not
 * the name of one of the library's own streams beside a channel, unless `read` (a call that only
 * reads, such as `tail()`, may follow a dead-letter stream).
 */
export function checkChannel(channel: unknown, call: string, read = false): string {
  if (typeof channel !== 'string' || channel === '') {
    throw new ConfigError(`${call}: the channel (first argument) must be a non-empty string; got ${describe(channel)}`);
  }
  if (read) return channel;
  const meaning = libraryKeyMeaning(channel);
  if (meaning !== undefined) throw new ConfigError(`${call}: ${reservedChannel(channel, meaning)}`);
  return channel;
}

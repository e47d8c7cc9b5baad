/**
 * Builds the consumer of one subscribed channel: its delivery strategy (chosen once), the Redis
 * writes that settle its entries, the handling pipeline with its middleware, the entries' owner,
 * the pending keeper (at-least-once) and the guarded reader. The parts know nothing of each other
 * beyond what is passed here.
 */
import type { Connections } from '../connection/connections.js';
import type { RedisPort } from '../connection/port.js';
import type { ContractSlot } from '../contract/book.js';
import { AtLeastOnce } from '../delivery/at-least-once.js';
import { AtMostOnce } from '../delivery/at-most-once.js';
import { GroupWriter } from '../delivery/group-writer.js';
import { GuardedReader } from '../delivery/guarded-read.js';
import { PendingKeeper } from '../delivery/pending-keeper.js';
import type { DeliveryStrategy } from '../delivery/strategy.js';
import type { DeadLetterError } from '../errors.js';
import type { DeadLetterEvent, ErrorContext } from '../events.js';
import type { HandlingStep } from '../extensions.js';
import type { HandlerRegistry } from '../handlers.js';
import { hookMiddleware } from '../hooks.js';
import type { Logger } from '../logger.js';
import type { ResolvedConsumeOptions, ResolvedStreamerOptions, SubscribeOptions } from '../options.js';
import type { CounterSet } from '../stats.js';
import type { Clock } from '../timers.js';
import { ChannelConsumer } from './channel-consumer.js';
import { Deliveries, type FailureReport } from './deliveries.js';
import { Pipeline } from './pipeline.js';
import type { ReadPaths } from './read-paths.js';

/** A subscription. */
export interface Subscription {
  readonly channel: string;
  readonly group: string;
  readonly concurrency: number;
  readonly orderingKey: SubscribeOptions['orderingKey'];
}

/** Where a channel consumer reports. */
export interface ConsumeReporter {
  readonly error: (err: unknown, context: ErrorContext) => void;
  readonly deadLetter: (event: DeadLetterEvent) => void;
  readonly handlerFailed: (report: FailureReport) => void;
}

/** What every channel consumer of a streamer shares. */
export interface ConsumeEnv {
  readonly service: string;
  readonly consumer: string;
  readonly options: ResolvedStreamerOptions;
  readonly registry: HandlerRegistry;
  /** A channel's contract, as bound now or later (entries are validated against it). */
  readonly contract: (channel: string) => ContractSlot;
  /** The handling steps registered now, outermost first: middleware and sets of hooks. */
  readonly middleware: () => readonly HandlingStep[];
  readonly connections: Connections;
  readonly command: () => Promise<RedisPort>;
  readonly counters: (channel: string) => CounterSet;
  readonly reporter: ConsumeReporter;
  /** Reports a recovered-from error (the same as `reporter.error`). */
  readonly report: (err: unknown, context: ErrorContext) => void;
  readonly logger: Logger;
  /** The clock delivery runs on: retries, sweeps, backoffs, rests (the transport's). */
  readonly clock: Clock;
}

/** Builds the consumer of one channel. */
export function createChannelConsumer(
  env: ConsumeEnv,
  sub: Subscription,
  consume: ResolvedConsumeOptions,
  paths: ReadPaths,
): ChannelConsumer {
  const { options } = env;
  const { channel, group } = sub;
  const stop = new AbortController();
  const counters = env.counters(channel);
  const report = (err: unknown, phase: ErrorContext['phase']): void => env.reporter.error(err, { phase, channel });
  const writer = writerFor(env, sub, counters, report, stop.signal);
  const strategy: DeliveryStrategy =
    options.delivery === 'at-least-once' ? new AtLeastOnce(writer, options) : new AtMostOnce(writer);
  const deliveries = new Deliveries({
    channel,
    group,
    strategy,
    pipeline: pipelineFor(env, sub, strategy, writer, report),
    concurrency: sub.concurrency,
    orderingKey: sub.orderingKey,
    maxAttempts: options.maxAttempts,
    counters,
    report: {
      error: env.reporter.error,
      handlerFailed: env.reporter.handlerFailed,
      warn: (fields, message) => env.logger.warn(fields, message),
    },
  });
  const reader = new GuardedReader(
    channel,
    group,
    env.consumer,
    options.dedupGuard,
    options.dedupWindowMs,
    strategy.noAck,
  );
  const keeper = strategy.keepsPending ? keeperFor(env, sub, writer, deliveries, reader, report) : undefined;
  const { consumer, registry, command, logger, clock } = env;
  const shared = { consumer, registry, command, logger, clock, report: env.reporter.error };
  const path = paths.forChannel(channel, group, stop.signal);
  const parts = { ...shared, channel, group, reader, path, deliveries, keeper, counters, stop };
  return new ChannelConsumer(
    { ...parts, noAck: strategy.noAck, shutdownTimeoutMs: options.shutdownTimeoutMs },
    consume,
  );
}

type Report = (err: unknown, phase: ErrorContext['phase']) => void;

/** The Redis writes that settle the channel's entries, reporting to the streamer. */
function writerFor(
  env: ConsumeEnv,
  sub: Subscription,
  counters: CounterSet,
  report: Report,
  signal: AbortSignal,
): GroupWriter {
  const { channel, group } = sub;
  return new GroupWriter(
    env.command,
    { channel, group, consumer: env.consumer, deadLetterMaxLen: env.options.deadLetterMaxLen },
    {
      moved: (event) => {
        counters.add('deadLettered');
        env.reporter.deadLetter(event);
      },
      dropped: (n) => counters.add('deadLettersDropped', n),
      error: (err: DeadLetterError) => report(err, 'dead-letter'),
      writeFailed: (err, phase) => report(err, phase === 'ack' ? 'ack' : 'consume'),
    },
    signal,
  );
}

/**
 * The handling pipeline: the streamer's handling steps around the handlers, each set of hooks
 * turned into middleware that knows what this channel's delivery guarantee does with an outcome.
 */
function pipelineFor(
  env: ConsumeEnv,
  sub: Subscription,
  strategy: DeliveryStrategy,
  writer: GroupWriter,
  report: Report,
): Pipeline {
  const willRetry = (attempt: number, errors: readonly unknown[]): boolean =>
    strategy.decide(attempt, errors).action === 'retry';
  const middleware = env
    .middleware()
    .flatMap((step) =>
      typeof step === 'function'
        ? [step]
        : hookMiddleware(step, willRetry, (err) => report(err, 'hook'), !strategy.noAck),
    );
  return new Pipeline({
    channel: sub.channel,
    group: sub.group,
    consumer: env.consumer,
    service: env.service,
    maxMessageBytes: env.options.maxMessageBytes,
    registry: env.registry,
    middleware,
    rawFields: async (source, id) => (await env.command()).xrangeRawFields(writer.source(source).stream, id),
    contract: env.contract(sub.channel),
  });
}

/** The at-least-once upkeep of the group's pending entries. */
function keeperFor(
  env: ConsumeEnv,
  sub: Subscription,
  writer: GroupWriter,
  deliveries: Deliveries,
  reader: GuardedReader,
  report: Report,
): PendingKeeper {
  const { options } = env;
  const settings = {
    group: sub.group,
    consumer: env.consumer,
    claimIdleMs: options.claimIdleMs,
    minIdleMs: Math.min(options.claimIdleMs, Math.floor(options.retryBaseMs / 2)),
    pageSize: 100,
    claimIntervalMs: options.claimIntervalMs,
    ledger: reader.ledger,
  };
  return new PendingKeeper(
    env.command,
    (kind) => writer.source(kind),
    deliveries,
    settings,
    (err, phase) => report(err, phase),
    env.clock,
  );
}

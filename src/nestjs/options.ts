/**
 * The options of the transport and of the client, and their checks. The streamer's own options
 * are passed to `new RedisStreamer()`, which checks them; an error it raises is given again
 * naming the transport or client.
 */
import {
  ConfigError,
  isChannelContract,
  RedisStreamer,
  type ChannelRef,
  type ConsumeOptions,
  type Logger,
  type RedisSource,
  type RedisStreamerOptions,
  type SubscribeOptions,
} from '../index.js';
import { nestLogger } from './logger.js';

/** A channel the transport consumes, with the options of its subscription. */
export interface ChannelSubscription extends SubscribeOptions {
  /** The channel: its name, or its contract (made by `defineChannel`). */
  readonly channel: ChannelRef;
}

/**
 * What the transport does with an event that no handler's pattern takes: `'ignore'` settles it
 * (a service handles the events it cares about), `'dead-letter'` fails it as unrecoverable, so it
 * lands in the dead-letter stream (replay it once a handler exists).
 */
export type UnhandledEvents = 'ignore' | 'dead-letter';

/** Options of `new RedisStreamerTransport(options)`; the streamer's options may be given too. */
export interface RedisStreamerTransportOptions extends RedisStreamerOptions {
  /** Where Redis is: a `redis://` URL, a `RedisInstance` (cluster, Sentinel, TLS) or a node-redis or ioredis client as a template. */
  readonly redis: RedisSource;
  /**
   * The service name: every service gets every event of its channels (one consumer group per
   * service and channel); the instances of one service share them.
   */
  readonly service: string;
  /** The channels to consume: names, contracts, or `{ channel, ...subscribeOptions }`. */
  readonly channels: ReadonlyArray<ChannelRef | ChannelSubscription>;
  /**
   * The options of the consume run (`persistConsume`): blockMs, count, cleanup intervals...
   * @default {}
   */
  readonly consume?: Omit<ConsumeOptions, 'signal'>;
  /**
   * What to do with an event no handler's pattern takes.
   * @default 'ignore'
   */
  readonly unhandledEvents?: UnhandledEvents;
  /**
   * Where the library logs.
   * @default Nest's Logger, context 'RedisStreamer'
   */
  readonly logger?: Logger;
}

/** The streamer's options a client uses: the publishing ones. */
export type ClientStreamerOptions = Pick<
  RedisStreamerOptions,
  'maxMessageBytes' | 'publishDedupWindowMs' | 'publishRetries' | 'hooks' | 'logger'
>;

/** Options of `new RedisStreamerClient(options)`. */
export interface RedisStreamerClientOptions extends ClientStreamerOptions {
  /** Where Redis is: a `redis://` URL, a `RedisInstance` (cluster, Sentinel, TLS) or a node-redis or ioredis client as a template. */
  readonly redis: RedisSource;
  /**
   * The channel an event name alone is published to: `emit('order.created', data)`. A contract
   * also validates and types those events.
   * @default undefined (then give patterns as `{ channel, event }` or `streamEvent(...)`)
   */
  readonly channel?: ChannelRef;
  /**
   * The name of the client's streamer (its connections are named after it in `CLIENT LIST`).
   * @default 'nest-client'
   */
  readonly service?: string;
  /**
   * Where the library logs.
   * @default Nest's Logger, context 'RedisStreamer'
   */
  readonly logger?: Logger;
}

/** A channel and its subscription options. */
export interface Subscription {
  readonly channel: ChannelRef;
  readonly options: SubscribeOptions;
}

/** The transport's options, checked and split. */
export interface TransportSetup {
  readonly streamer: RedisStreamer;
  readonly subscriptions: readonly Subscription[];
  readonly consume: Omit<ConsumeOptions, 'signal'>;
  readonly unhandledEvents: UnhandledEvents;
}

const CALL = 'new RedisStreamerTransport()';

/** Checks the transport's options and creates its streamer. */
export function transportSetup(options: RedisStreamerTransportOptions): TransportSetup {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`${CALL}: the options must be an object { redis, service, channels, ... }`);
  }
  const { redis, service, channels, consume, unhandledEvents, ...rest } = options;
  if (!Array.isArray(channels) || channels.length === 0) {
    throw new ConfigError(`${CALL}: option \`channels\` must be a non-empty array of channel names or contracts`);
  }
  const subscriptions = (channels as ReadonlyArray<ChannelRef | ChannelSubscription>).map(subscriptionOf);
  if (consume !== undefined && (typeof consume !== 'object' || consume === null || 'signal' in consume)) {
    throw new ConfigError(
      `${CALL}: option \`consume\` must be persistConsume()'s options, without \`signal\` (close() stops)`,
    );
  }
  if (unhandledEvents !== undefined && unhandledEvents !== 'ignore' && unhandledEvents !== 'dead-letter') {
    throw new ConfigError(`${CALL}: option \`unhandledEvents\` must be 'ignore' or 'dead-letter'`);
  }
  const streamer = newStreamer(CALL, redis, service, { logger: nestLogger(), ...rest });
  return { streamer, subscriptions, consume: consume ?? {}, unhandledEvents: unhandledEvents ?? 'ignore' };
}

const CLIENT_OPTIONS = new Set([
  'redis',
  'channel',
  'service',
  'maxMessageBytes',
  'publishDedupWindowMs',
  'publishRetries',
  'hooks',
  'logger',
]);

/**
 * Checks the client's options; returns a factory of its streamer (the client makes one at once,
 * which checks the streamer's options, and a new one after close()).
 */
export function clientSetup(options: RedisStreamerClientOptions): {
  readonly channel: ChannelRef | undefined;
  readonly newStreamer: () => RedisStreamer;
} {
  const call = 'new RedisStreamerClient()';
  if (typeof options !== 'object' || options === null)
    throw new ConfigError(`${call}: the options must be an object { redis, ... }`);
  const unknown = Object.keys(options).filter((k) => !CLIENT_OPTIONS.has(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      `${call}: unknown option ${unknown.map((k) => `\`${k}\``).join(', ')} (a client publishes: it takes ${[...CLIENT_OPTIONS].join(', ')})`,
    );
  }
  const { redis, channel, service, ...rest } = options;
  if (channel !== undefined && !isChannelContract(channel) && (typeof channel !== 'string' || channel === '')) {
    throw new ConfigError(`${call}: option \`channel\` must be a channel name or a contract made by defineChannel()`);
  }
  return {
    channel,
    newStreamer: () => newStreamer(call, redis, service ?? 'nest-client', { logger: nestLogger(), ...rest }),
  };
}

function subscriptionOf(entry: ChannelRef | ChannelSubscription, index: number): Subscription {
  if (typeof entry === 'string' || isChannelContract(entry)) return { channel: entry, options: {} };
  if (typeof entry === 'object' && entry !== null && 'channel' in entry) {
    const { channel, ...options } = entry;
    if (typeof channel === 'string' || isChannelContract(channel)) return { channel, options };
  }
  throw new ConfigError(
    `${CALL}: channels[${index}] must be a channel name, a contract made by defineChannel(), or { channel, ...subscribeOptions }`,
  );
}

/** `new RedisStreamer(...)`, its ConfigErrors naming `call` instead. */
function newStreamer(call: string, redis: RedisSource, service: string, options: RedisStreamerOptions): RedisStreamer {
  try {
    return new RedisStreamer(redis, service, options);
  } catch (err) {
    if (err instanceof ConfigError) {
      // The streamer's words name its arguments; these are options of `call`.
      const message = err.message
        .replace(/^new RedisStreamer\(\):\s*/, '')
        .replace('the service name (second argument)', 'option `service`')
        .replace(/^redis must be/, 'option `redis` must be');
      throw new ConfigError(`${call}: ${message}`, { cause: err });
    }
    throw err;
  }
}

/**
 * The patterns of the transport. A handler's pattern is, by precedence:
 * - `{ channel, event }`: that event name on that channel;
 * - `'order.created'` (a string): that event name on every channel the transport consumes;
 * - `{ channel }`: every other event of that channel (a catch-all).
 *
 * {@link streamEvent} makes the first or the last from a channel contract, carrying the contract
 * (for validation and payload types) under a symbol key that Nest leaves out of its route.
 */
import { ConfigError, isChannelContract, type AnyChannelContract, type ChannelRef, type EventName } from '../index.js';

/** The transport id of {@link RedisStreamerTransport}: patterns bound to it run on no other transport. */
export const REDIS_STREAMER_TRANSPORT: unique symbol = Symbol.for('redis-streamer.nestjs.transport');

/** The key under which a contract pattern carries its contract (Nest's routes ignore symbol keys). */
export const PATTERN_CONTRACT: unique symbol = Symbol.for('redis-streamer.nestjs.pattern-contract');

/**
 * A pattern object: `{ channel, event }` for one event of one channel, `{ channel }` for every event
 * of that channel that no more precise pattern takes.
 */
export interface StreamEventPattern {
  /** The channel name. */
  readonly channel: string;
  /** The event name; left out, every event of the channel no other pattern takes. */
  readonly event?: string;
}

/** A {@link StreamEventPattern} that carries no contract (so its data is not typed). */
export type UntypedPattern = StreamEventPattern & {
  /** Never: a pattern with a contract is a {@link ContractEventPattern} or a {@link ContractChannelPattern}. */
  readonly [PATTERN_CONTRACT]?: never;
};

/** One event of a contract's channel, made by {@link streamEvent}: typed payload, validated body. */
export interface ContractEventPattern<
  C extends AnyChannelContract = AnyChannelContract,
  N extends EventName<C> = EventName<C>,
> {
  /** The channel name. */
  readonly channel: C['name'];
  /** The event name. */
  readonly event: N;
  /** The contract (not part of the route Nest builds from the pattern). */
  readonly [PATTERN_CONTRACT]: C;
}

/** Every event of a contract's channel, made by {@link streamEvent} without an event name. */
export interface ContractChannelPattern<C extends AnyChannelContract = AnyChannelContract> {
  /** The channel name. */
  readonly channel: C['name'];
  /** The contract (not part of the route Nest builds from the pattern). */
  readonly [PATTERN_CONTRACT]: C;
}

/**
 * A pattern from a channel contract (see `defineChannel`): `streamEvent(orders, 'order.created')`
 * for one event, `streamEvent(orders)` for every event of the channel no other pattern takes. Use
 * it with `@EventPattern(...)`, {@link OnStreamEvent} (which also types the payload) or the
 * client's `emit` (which then types and validates the data). Throws a ConfigError for a value
 * that is not a contract, or an event the contract does not list.
 */
export function streamEvent<C extends AnyChannelContract, N extends EventName<C>>(
  contract: C,
  event: N,
): ContractEventPattern<C, N>;
export function streamEvent<C extends AnyChannelContract>(contract: C): ContractChannelPattern<C>;
export function streamEvent(
  contract: AnyChannelContract,
  event?: string,
): ContractEventPattern | ContractChannelPattern {
  if (!isChannelContract(contract)) {
    throw new ConfigError(
      'streamEvent(contract, event): the first argument must be a contract made by defineChannel()',
    );
  }
  if (event === undefined) return Object.freeze({ channel: contract.name, [PATTERN_CONTRACT]: contract });
  if (typeof event !== 'string' || !Object.hasOwn(contract.events, event)) {
    throw new ConfigError(
      `streamEvent(contract, event): channel "${contract.name}" has no event ${JSON.stringify(event)} in its contract (it lists ${Object.keys(contract.events).join(', ')})`,
    );
  }
  return Object.freeze({ channel: contract.name, event, [PATTERN_CONTRACT]: contract });
}

/** Where an emitted event goes: the channel (a contract when the pattern carries one) and the event name. */
export interface EmitTarget {
  readonly channel: ChannelRef;
  readonly event: string;
}

/**
 * The target of `client.emit(pattern, ...)`: a string is an event name on the client's default
 * channel; an object is `{ channel, event }` (or a {@link streamEvent} pattern).
 */
export function emitTarget(pattern: unknown, defaultChannel: ChannelRef | undefined): EmitTarget {
  if (typeof pattern === 'string' && pattern !== '') {
    if (defaultChannel === undefined) {
      throw new ConfigError(
        `emit("${pattern}", data): this client has no default \`channel\`: give the pattern as { channel, event }, or the client option \`channel\``,
      );
    }
    return { channel: defaultChannel, event: pattern };
  }
  if (typeof pattern === 'object' && pattern !== null) {
    const { channel, event } = pattern as { channel?: unknown; event?: unknown };
    const contract = (pattern as { [PATTERN_CONTRACT]?: unknown })[PATTERN_CONTRACT];
    if (typeof channel === 'string' && channel !== '' && typeof event === 'string' && event !== '') {
      return { channel: isChannelContract(contract) ? contract : channel, event };
    }
  }
  throw new ConfigError(
    `emit(pattern, data): the pattern must be an event name (published to the client's \`channel\`) or { channel, event } with two non-empty strings; got ${describe(pattern)}`,
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value === '' ? 'an empty string' : JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

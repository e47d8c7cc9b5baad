/**
 * `@OnStreamEvent(...)`: Nest's `@EventPattern`, bound to the redis-streamer transport, whose
 * handler's first parameter is checked by the compiler against the payload type (the event's, for
 * a channel contract). It also lets a handler type its `@Ctx()` parameter, which Nest 12's own
 * typing of `@EventPattern('name')` refuses under `strict`.
 */
import { EventPattern } from '@nestjs/microservices';
import {
  ConfigError,
  isChannelContract,
  type AnyChannelContract,
  type AnyEventPayload,
  type EventName,
  type EventPayload,
} from '../index.js';
import {
  REDIS_STREAMER_TRANSPORT,
  streamEvent,
  type ContractChannelPattern,
  type ContractEventPattern,
  type StreamEventPattern,
  type UntypedPattern,
} from './patterns.js';

/**
 * A method decorator whose method must take the payload as its first parameter: a parameter type
 * the payload cannot be given to (or that cannot be given back) does not compile. The payload is
 * the schema's output, as the library validated it on receipt; a pipe may still turn it into a
 * class instance of the same shape.
 * @typeParam Payload the payload the handler gets.
 * @typeParam Method the decorated method's type.
 */
export type StreamEventDecorator<Payload> = <Method extends (payload: Payload, ...rest: never[]) => unknown>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<Method>,
) => void;

/**
 * Nest's `@EventPattern` on the redis-streamer transport only, with the handler's first parameter
 * checked by the compiler against the payload type:
 *
 * ```ts
 * @OnStreamEvent(orders, 'order.created')          // a contract's event: its payload type
 * created(@Payload() order: { orderId: string; total: number }, @Ctx() ctx: RedisStreamerContext) {}
 *
 * @OnStreamEvent(orders)                           // every other event of the contract's channel
 * @OnStreamEvent<Order>('order.created')          // an event name on any channel: the type you state
 * @OnStreamEvent<Order>({ channel: 'orders', event: 'order.created' })
 * ```
 *
 * With a contract, the payload was validated on receipt (the schema's output); with a name or a
 * plain pattern, the type argument is a promise the compiler takes on trust (`unknown` when left
 * out). Put the payload first among the parameters. Throws a ConfigError for an invalid pattern.
 */
export function OnStreamEvent<C extends AnyChannelContract, N extends EventName<C>>(
  contract: C,
  event: N,
): StreamEventDecorator<EventPayload<C, N>>;
export function OnStreamEvent<C extends AnyChannelContract, N extends EventName<C>>(
  pattern: ContractEventPattern<C, N>,
): StreamEventDecorator<EventPayload<C, N>>;
export function OnStreamEvent<C extends AnyChannelContract>(
  channel: C | ContractChannelPattern<C>,
): StreamEventDecorator<AnyEventPayload<C>>;
export function OnStreamEvent<Payload = unknown>(pattern: string | UntypedPattern): StreamEventDecorator<Payload>;
export function OnStreamEvent(
  first: string | AnyChannelContract | StreamEventPattern,
  event?: string,
): StreamEventDecorator<unknown> {
  const pattern = isChannelContract(first)
    ? event === undefined
      ? streamEvent(first)
      : streamEvent(first, event)
    : checkedPattern(first);
  const decorate = EventPattern(pattern, REDIS_STREAMER_TRANSPORT);
  return (target, key, descriptor) => void decorate(target, key, descriptor);
}

function checkedPattern(value: unknown): string | StreamEventPattern {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'object' && value !== null) {
    const { channel, event } = value as { channel?: unknown; event?: unknown };
    const known = Object.keys(value).every((k) => k === 'channel' || k === 'event');
    if (
      known &&
      typeof channel === 'string' &&
      channel !== '' &&
      (event === undefined || (typeof event === 'string' && event !== ''))
    ) {
      return value as StreamEventPattern;
    }
  }
  throw new ConfigError(
    `@OnStreamEvent(pattern): give an event name, { channel, event }, { channel }, a contract made by defineChannel() (and an event it lists), or a pattern made by streamEvent(); got ${describe(value)}`,
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

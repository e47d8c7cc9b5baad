/**
 * Channel contracts: one Standard Schema per event name of a channel, so that one schema gives the
 * TypeScript types of publishing and handling, run-time validation on both sides, and the
 * payloads of an AsyncAPI document. Any library implementing Standard Schema works (Zod 3.24+,
 * Valibot 1+, ArkType 2+, Effect Schema, Yup 1.7+, Joi 18+...); the library depends on the spec's
 * types only, never on a validator.
 *
 * On the wire nothing changes: an entry is `name` + `body` (JSON) as dtpyfw writes it, so a contract
 * is per event name, and a Python service reads and writes the same entries.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConfigError } from '../errors.js';
import type { MessageContext } from '../handlers.js';
import { oneOf, string } from '../rules.js';
import { checkOptions, describe, type OptionsSpec } from '../validate.js';

/** The schemas of a channel's events, by event name. */
export type EventSchemas = Readonly<Record<string, StandardSchemaV1>>;

/**
 * What a consumer does with an entry whose event name its contract does not list:
 * `'dead-letter'` moves it to the dead-letter stream with reason `unknown-event` (nothing is lost;
 * replay it once the consumer knows the event), `'ignore'` settles it without running a handler.
 */
export type UnknownEvents = 'dead-letter' | 'ignore';

/** Options of {@link defineChannel}. */
export interface ChannelContractOptions {
  /**
   * What a consumer does with an event name the contract does not list.
   * @default 'dead-letter'
   */
  readonly unknownEvents?: UnknownEvents;
  /**
   * A description of the channel, for the AsyncAPI document.
   * @default undefined
   */
  readonly description?: string;
}

const CONTRACT = Symbol.for('redis-streamer.channel-contract');

/**
 * A channel and the schema of each of its events, made by {@link defineChannel}. Pass it wherever
 * a channel name is taken (`subscribe`, `registerHandler`, `sendMessage`, `sendMessages`,
 * `deadLetters`...) to get typed payloads and validation.
 */
export interface ChannelContract<Name extends string = string, Events extends EventSchemas = EventSchemas> {
  /** The channel (stream) name. */
  readonly name: Name;
  /** The schema of each event name. */
  readonly events: Events;
  /** What a consumer does with an event name not listed in {@link events}. */
  readonly unknownEvents: UnknownEvents;
  /** The description given, for documentation. */
  readonly description: string | undefined;
  /** Brand: tells a contract from other objects at run time. */
  readonly [CONTRACT]: true;
}

/** Any channel contract. */
export type AnyChannelContract = ChannelContract<string, EventSchemas>;

/** A channel: its name, or its contract. */
export type ChannelRef = string | AnyChannelContract;

/** The event names of a contract. */
export type EventName<C extends AnyChannelContract> = Extract<keyof C['events'], string>;

/** What a publisher gives for event `N` (the schema's input type). */
export type EventInput<C extends AnyChannelContract, N extends EventName<C>> = StandardSchemaV1.InferInput<
  C['events'][N]
>;

/** What a handler of event `N` gets (the schema's output type). */
export type EventPayload<C extends AnyChannelContract, N extends EventName<C>> = StandardSchemaV1.InferOutput<
  C['events'][N]
>;

/**
 * A message of a contract's channel: an event name it lists and a body of that event's type (and,
 * for `sendMessages`, an optional idempotency key of its own).
 */
export type ContractMessage<C extends AnyChannelContract> = {
  [N in EventName<C>]: {
    /** The event name. */
    readonly name: N;
    /** The body, of the event's schema input type. */
    readonly body: EventInput<C, N>;
    /** As `PublishOptions.idempotencyKey`, for this message. */
    readonly idempotencyKey?: string;
  };
}[EventName<C>];

/** The arguments a handler of a contract's channel gets: event name, payload of that event, context. */
export type ContractHandlerArgs<C extends AnyChannelContract> = {
  [N in EventName<C>]: [name: N, payload: EventPayload<C, N>, context: MessageContext];
}[EventName<C>];

/**
 * A handler of every event of a contract's channel, declared with its three parameters
 * `(name, payload, context)`: they are a discriminated union, so checking `name` narrows `payload`
 * to that event's type. (A handler declared with fewer parameters gets `payload` as the union of
 * the events' payloads; register one handler per event with `{ name }` for an exact type.)
 */
export type ContractHandler<C extends AnyChannelContract> = (...args: ContractHandlerArgs<C>) => unknown;

/** The payload of any event of a contract (a union, not narrowed by the name). */
export type AnyEventPayload<C extends AnyChannelContract> = {
  [N in EventName<C>]: EventPayload<C, N>;
}[EventName<C>];

const OPTIONS: OptionsSpec<ChannelContractOptions> = {
  call: 'defineChannel()',
  argument: 'third',
  example: () => "{ unknownEvents: 'ignore' }",
  rules: { unknownEvents: oneOf(['dead-letter', 'ignore']), description: string({ allowEmpty: true }) },
};

/**
 * Defines a channel's contract: its name and the Standard Schema of each of its event names.
 *
 * ```ts
 * const orders = defineChannel('orders', {
 *   'order.created': z.object({ orderId: z.string(), total: z.number() }),
 *   'order.paid': z.object({ orderId: z.string() }),
 * });
 * await streamer.sendMessage(orders, { name: 'order.created', body: { orderId: 'A1', total: 5 } });
 * streamer.registerHandler(orders, (name, payload) => { if (name === 'order.paid') payload.orderId; });
 * ```
 *
 * Publishing validates the body before anything is sent (the schema's output is what is written);
 * consuming validates it again on receipt and dead-letters an invalid one with reason `schema`.
 * Throws a ConfigError for a name that is not a non-empty string, an event map that is not an
 * object of Standard Schemas (version 1), or unknown options.
 */
export function defineChannel<const Name extends string, const Events extends EventSchemas>(
  name: Name,
  events: Events,
  options: ChannelContractOptions = {},
): ChannelContract<Name, Events> {
  if (typeof name !== 'string' || name === '') {
    throw new ConfigError(
      `defineChannel(): the channel name (first argument) must be a non-empty string; got ${describe(name)}`,
    );
  }
  if (!name.isWellFormed()) throw new ConfigError(`defineChannel("${name}"): the name has a lone surrogate`);
  checkEvents(name, events);
  const o = checkOptions(OPTIONS, options);
  return Object.freeze({
    name,
    events: Object.freeze({ ...events }),
    unknownEvents: o.unknownEvents ?? 'dead-letter',
    description: o.description,
    [CONTRACT]: true as const,
  });
}

/** Whether a value is a contract made by {@link defineChannel}. */
export function isChannelContract(value: unknown): value is AnyChannelContract {
  return typeof value === 'object' && value !== null && (value as { [CONTRACT]?: unknown })[CONTRACT] === true;
}

function checkEvents(channel: string, events: unknown): void {
  if (typeof events !== 'object' || events === null || Array.isArray(events)) {
    throw new ConfigError(`defineChannel("${channel}", events): an object mapping event names to Standard Schemas`);
  }
  const names = Object.keys(events);
  if (names.length === 0) throw new ConfigError(`defineChannel("${channel}", events): at least one event`);
  for (const event of names) {
    if (event === '' || !event.isWellFormed()) {
      throw new ConfigError(`defineChannel("${channel}"): event names must be non-empty, valid Unicode`);
    }
    if (!isStandardSchema((events as Record<string, unknown>)[event])) {
      throw new ConfigError(
        `defineChannel("${channel}"): the schema of "${event}" is not a Standard Schema (an object with "~standard": { version: 1, validate }); Zod 3.24+, Valibot 1+, ArkType 2+ and others implement it`,
      );
    }
  }
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: unknown })['~standard'];
  if (typeof props !== 'object' || props === null) return false;
  const { version, validate } = props as { version?: unknown; validate?: unknown };
  return version === 1 && typeof validate === 'function';
}

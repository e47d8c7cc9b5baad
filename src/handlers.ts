/**
 * Handlers and their registry. Several handlers per channel run in registration order; a handler
 * registered with a `name` only gets messages of that event name. Registration is copy-on-write, so
 * a handler added while messages are being handled takes effect from the next message on.
 */

/** What a handler learns about the message besides its name and payload. */
export interface MessageContext {
  /** The channel (stream key) the message came from. */
  readonly channel: string;
  /** The stream entry id. */
  readonly id: string;
  /** The consumer group (`<channel>:<service>:cg`). */
  readonly group: string;
  /** This consumer instance's name within the group. */
  readonly consumer: string;
  /** The service name (the group's owner). */
  readonly service: string;
  /** The delivery attempt, from 1. Above 1 only in at-least-once mode, on retries and reclaims. */
  readonly attempt: number;
  /**
   * Where the entry was read: `channel`, or `replay` for a dead letter replayed to this group (its
   * `fields['rs-replay-of']` is the original entry id; `id` is its id in the replay stream).
   */
  readonly source: 'channel' | 'replay';
  /** The entry's fields other than name and body (metadata added by the producer). */
  readonly fields: Readonly<Record<string, string>>;
  /**
   * The idempotency key the message was published with (`sendMessage(..., { idempotencyKey })`,
   * the stream field `rs-idempotency-key`), for the handler's own idempotency; undefined without.
   */
  readonly idempotencyKey: string | undefined;
}

/**
 * A message handler. It may be sync or async; a returned promise is awaited. Throwing (or
 * rejecting) marks the message failed for this handler; the other handlers still run.
 */
export type Handler<Payload = unknown, Name extends string = string> = (
  name: Name,
  payload: Payload,
  context: MessageContext,
) => unknown;

/** Options of `registerHandler`. */
export interface HandlerOptions<Name extends string = string> {
  /**
   * Only messages whose event name equals this are passed to the handler. On a channel with a
   * contract, one of the event names it lists; the handler's payload then has that event's type.
   * @default undefined (every message of the channel)
   */
  readonly name?: Name;
}

/** A registered handler. */
export interface HandlerEntry {
  readonly handler: Handler;
  /** The event-name filter, if any. */
  readonly name: string | undefined;
  /** A label for logs and dead letters: the function's name or `handler#<n>`. */
  readonly label: string;
}

/** One handler's failure on one message. */
export interface HandlerFailure {
  readonly label: string;
  readonly error: unknown;
}

const EMPTY: readonly HandlerEntry[] = Object.freeze([]);

/** Handlers per channel. */
export class HandlerRegistry {
  private readonly byChannel = new Map<string, readonly HandlerEntry[]>();
  private readonly waiters = new Map<string, Array<() => void>>();

  /** Adds a handler for a channel. */
  add(channel: string, handler: Handler, name: string | undefined): void {
    const current = this.byChannel.get(channel) ?? EMPTY;
    const label = handler.name !== '' ? handler.name : `handler#${current.length + 1}`;
    this.byChannel.set(channel, Object.freeze([...current, { handler, name, label }]));
    const waiting = this.waiters.get(channel);
    if (waiting !== undefined) {
      this.waiters.delete(channel);
      for (const wake of waiting) wake();
    }
  }

  /** The handlers of a channel, as registered now. */
  get(channel: string): readonly HandlerEntry[] {
    return this.byChannel.get(channel) ?? EMPTY;
  }

  /** The channels that have a handler. */
  channels(): string[] {
    return [...this.byChannel.keys()];
  }

  /** Resolves once the channel has a handler (at once if it has one). */
  whenAny(channel: string): Promise<void> {
    if (this.get(channel).length > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.waiters.get(channel) ?? [];
      list.push(resolve);
      this.waiters.set(channel, list);
    });
  }

  /** Wakes everything waiting in {@link whenAny} (on shutdown). */
  wakeAll(): void {
    for (const list of this.waiters.values()) for (const wake of list) wake();
    this.waiters.clear();
  }
}

/**
 * Runs every matching handler on one message, in order, awaiting those that return a promise (or
 * any thenable). Returns the failures (empty when all succeeded); never throws. As long as the
 * handlers are synchronous the result comes back synchronously, so a batch of sync handlers costs
 * no promise per message.
 */
export function runHandlers(
  handlers: readonly HandlerEntry[],
  name: string,
  payload: unknown,
  context: MessageContext,
): HandlerFailure[] | Promise<HandlerFailure[]> {
  return runFrom(0, undefined, handlers, name, payload, context);
}

/** Runs the handlers from index `from` on, synchronously until one returns a thenable. */
function runFrom(
  from: number,
  failures: HandlerFailure[] | undefined,
  handlers: readonly HandlerEntry[],
  name: string,
  payload: unknown,
  context: MessageContext,
): HandlerFailure[] | Promise<HandlerFailure[]> {
  for (let i = from; i < handlers.length; i++) {
    const entry = handlers[i] as HandlerEntry;
    if (entry.name !== undefined && entry.name !== name) continue;
    let pending: PromiseLike<unknown> | undefined;
    try {
      const result = entry.handler(name, payload, context);
      if (isThenable(result)) pending = result; // reading `then` may throw too
    } catch (error) {
      (failures ??= []).push({ label: entry.label, error });
      continue;
    }
    if (pending instanceof Promise) {
      // A native promise: one reaction and one promise, where awaiting it in settle() costs two of each.
      const { label } = entry;
      return pending.then(
        () => runFrom(i + 1, failures, handlers, name, payload, context),
        (error: unknown) => runFrom(i + 1, [...(failures ?? []), { label, error }], handlers, name, payload, context),
      );
    }
    if (pending !== undefined) {
      return settle(pending, entry.label, failures).then((f) => runFrom(i + 1, f, handlers, name, payload, context));
    }
  }
  return failures ?? NO_FAILURES;
}

async function settle(
  pending: PromiseLike<unknown>,
  label: string,
  failures: HandlerFailure[] | undefined,
): Promise<HandlerFailure[] | undefined> {
  try {
    await pending;
  } catch (error) {
    (failures ??= []).push({ label, error });
  }
  return failures;
}

const NO_FAILURES: HandlerFailure[] = Object.freeze([]) as unknown as HandlerFailure[];

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

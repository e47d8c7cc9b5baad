/**
 * The events a streamer emits, typed, so that nothing fails silently: every error, dead letter,
 * reconnect and lossy trim is reported here.
 */
import { EventEmitter } from 'node:events';
import type { DecodeFailure, RedisStreamerError } from './errors.js';

/**
 * Why an entry was dead-lettered:
 * - a {@link DecodeFailure} (`missing-name`, `missing-body`, `invalid-json`, `invalid-utf8`,
 *   `too-large`): the entry cannot become a message;
 * - `handler-failed`: a handler threw (at-most-once mode never retries);
 * - `unrecoverable`: a handler threw {@link UnrecoverableError} (at-least-once mode);
 * - `max-attempts`: the entry failed, or was delivered, `maxAttempts` times (at-least-once mode).
 */
export type DeadLetterReason = DecodeFailure | 'handler-failed' | 'unrecoverable' | 'max-attempts';

/** Where an error happened. */
export interface ErrorContext {
  /** The part of the streamer that met the error. */
  readonly phase: 'connection' | 'consume' | 'ack' | 'dead-letter' | 'reclaim' | 'lease' | 'maintenance' | 'hook';
  /** The channel concerned, when there is one. */
  readonly channel?: string;
}

/** What the 'deadLetter' event carries: one entry moved to a dead-letter stream. */
export interface DeadLetterEvent {
  /** The channel the entry was read from. */
  readonly channel: string;
  /** The entry's id in the channel's stream. */
  readonly id: string;
  /** The consumer group that gave up on it. */
  readonly group: string;
  /** Why. */
  readonly reason: DeadLetterReason;
  /** The error message. */
  readonly error: string;
  /** Attempts made (1 in at-most-once mode). */
  readonly attempts: number;
  /** The dead-letter stream it was written to. */
  readonly deadLetterStream: string;
  /** The id of the record in the dead-letter stream. */
  readonly deadLetterId: string;
  /**
   * The entry's fields other than `name` and `body`: what its producer added, such as a trace
   * context (`traceparent`, `tracestate`, `baggage`), its `rs-idempotency-key`, or `rs-replay-of`
   * for a replayed dead letter. Empty for an entry with no other field.
   */
  readonly fields: Readonly<Record<string, string>>;
}

/** What the 'reconnect' event carries. */
export interface ReconnectEvent {
  /** Which connection: `command` or `channel:<name>`. */
  readonly connection: string;
  /** `host:port` of the server it reconnects to. */
  readonly endpoint: string;
  /** Why the connection is down, when known (a refused login, a refused connection...). */
  readonly error: RedisStreamerError | undefined;
  /** The attempt number since the connection was last ready, from 1. */
  readonly attempt: number;
  /** ms until the attempt. */
  readonly delayMs: number;
}

/**
 * What the 'ready' event carries: one of the streamer's connections is ready for commands, when it
 * is first opened and again after each reconnect (see 'reconnect'). Together they tell a health
 * check or a framework integration whether every connection is up, without polling.
 */
export interface ReadyEvent {
  /** Which connection: `command`, `channel:<name>`... (as in 'reconnect' and `getStats().connections`). */
  readonly connection: string;
  /** `host:port` of the server it is connected to. */
  readonly endpoint: string;
}

/** What the 'trimmedUnread' event carries: a retention run removed entries some group had not read. */
export interface TrimmedUnreadEvent {
  /** The channel trimmed. */
  readonly channel: string;
  /** Entries removed that a stale group (no live consumer) had not read. */
  readonly removedUnreadStale: number;
  /** Entries removed, unread by at least one group, because the channel exceeded its `maxLen`. */
  readonly removedUnreadMaxLen: number;
  /** Groups that no longer hold retention back. */
  readonly staleGroups: readonly string[];
}

/** Event name to listener arguments. */
export interface StreamerEvents {
  /** A recovered-from error. Without an 'error' listener it goes to the logger instead of throwing. */
  error: [error: Error, context: ErrorContext];
  /** An entry was moved to the dead-letter stream. */
  deadLetter: [event: DeadLetterEvent];
  /** A connection was lost and will be re-opened. */
  reconnect: [event: ReconnectEvent];
  /** A connection is ready: opened, or back after a 'reconnect'. */
  ready: [event: ReadyEvent];
  /** A retention run dropped entries that a group had not read. */
  trimmedUnread: [event: TrimmedUnreadEvent];
}

/** Every event of {@link StreamerEvents} (the compiler checks that none is missing). */
const EVENT_NAMES: Readonly<Record<keyof StreamerEvents, true>> = {
  error: true,
  deadLetter: true,
  reconnect: true,
  ready: true,
  trimmedUnread: true,
};

/** The streamer's event names, for the run-time check of `on()` and the like. */
export const STREAMER_EVENTS = Object.keys(EVENT_NAMES) as readonly (keyof StreamerEvents)[];

/** A listener of an event, called with the event's arguments. */
export type Listener<Args extends unknown[]> = (...args: Args) => void;

/** The methods of {@link TypedEmitter} whose arguments are checked at run time. */
export type EmitterCall = 'on' | 'once' | 'off' | 'listenerCount';

/**
 * Checks the arguments of one of the methods above (for plain JavaScript callers, whom the
 * compiler does not check: a misspelled event would never fire, a listener that is not a function
 * would fail only when the event comes) and throws when they are wrong. `listener` is not given
 * for `listenerCount`.
 */
export type EmitterCheck = (call: EmitterCall, event: unknown, ...listener: [] | [unknown]) => void;

/** An EventEmitter whose event names and listener arguments are checked by the compiler. */
export class TypedEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly emitter = new EventEmitter();

  /**
   * @param check checks the arguments of on, once, off and listenerCount at run time.
   * @internal
   */
  constructor(private readonly check: EmitterCheck = () => {}) {}

  /** Adds a listener. */
  on<E extends keyof Events & string>(event: E, listener: Listener<Events[E]>): this {
    this.check('on', event, listener);
    this.emitter.on(event, listener as Listener<unknown[]>);
    return this;
  }

  /** Adds a one-time listener. */
  once<E extends keyof Events & string>(event: E, listener: Listener<Events[E]>): this {
    this.check('once', event, listener);
    this.emitter.once(event, listener as Listener<unknown[]>);
    return this;
  }

  /** Removes a listener. */
  off<E extends keyof Events & string>(event: E, listener: Listener<Events[E]>): this {
    this.check('off', event, listener);
    this.emitter.off(event, listener as Listener<unknown[]>);
    return this;
  }

  /** How many listeners an event has. */
  listenerCount<E extends keyof Events & string>(event: E): number {
    this.check('listenerCount', event);
    return this.emitter.listenerCount(event);
  }

  /**
   * Calls the listeners of an event. A listener that throws is not allowed to break the caller:
   * the exception is handed to `onListenerError`.
   */
  protected emitSafely<E extends keyof Events & string>(
    event: E,
    onListenerError: (err: unknown) => void,
    ...args: Events[E]
  ): boolean {
    const listeners = this.emitter.listeners(event) as Array<Listener<Events[E]>>;
    for (const listener of listeners) {
      try {
        listener(...args);
      } catch (err) {
        onListenerError(err);
      }
    }
    return listeners.length > 0;
  }
}

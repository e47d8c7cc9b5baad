/**
 * Hook points where a message is published, handled, failed and dead-lettered: the place for
 * tracing (inject and extract a traceparent field), metrics and audit. Every hook is optional; an
 * exception thrown by a hook is reported as an 'error' event and never breaks delivery.
 */
import type { DeadLetterEvent } from './events.js';
import type { MessageContext } from './handlers.js';
import type { MessageLike } from './message.js';

/** Passed to {@link StreamerHooks.onPublish}. */
export interface PublishHookEvent {
  /** The channel published to. */
  readonly channel: string;
  /** The message. */
  readonly message: MessageLike;
  /**
   * Extra stream fields to write with this message (besides name and body). A hook may add to it,
   * for example `traceparent`. dtpyfw consumers ignore extra fields.
   */
  readonly fields: Record<string, string>;
}

/** Passed to {@link StreamerHooks.aroundHandle}. */
export interface HandleHookEvent {
  /** The event name. */
  readonly name: string;
  /** The decoded payload. */
  readonly payload: unknown;
  /** The message context the handlers get. */
  readonly context: MessageContext;
}

/** Passed to {@link StreamerHooks.onHandled}. */
export interface HandledHookEvent extends HandleHookEvent {
  /** How long the handlers took, in ms. */
  readonly durationMs: number;
}

/** Passed to {@link StreamerHooks.onFailed}. */
export interface FailedHookEvent extends HandleHookEvent {
  /** The errors, one per failing handler. */
  readonly errors: readonly unknown[];
  /** Whether the message will be retried (at-least-once mode, attempts left, recoverable error). */
  readonly willRetry: boolean;
}

/** Optional callbacks at the points a message passes through. */
export interface StreamerHooks {
  /** Before a message is published; may add stream fields. */
  onPublish?: (event: PublishHookEvent) => void;
  /**
   * Wraps the handling of each message (all its handlers): call `next()` exactly once and return
   * its promise. For a tracing span around the work, or an async context.
   */
  aroundHandle?: (event: HandleHookEvent, next: () => Promise<void>) => Promise<void>;
  /** After every handler of a message succeeded. */
  onHandled?: (event: HandledHookEvent) => void;
  /** After a handler of a message failed. */
  onFailed?: (event: FailedHookEvent) => void;
  /** After a message was moved to the dead-letter stream. */
  onDeadLetter?: (event: DeadLetterEvent) => void;
}

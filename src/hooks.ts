/**
 * Hook points where a message is published, handled, failed and dead-lettered: the place for
 * tracing (inject and extract a traceparent field), metrics and audit. Every hook is optional.
 *
 * A hook that throws: `onPublish` fails that publish with a {@link HookError} (nothing appended,
 * since the fields it adds may be what consumers rely on); `onHandled`, `onFailed` and
 * `onDeadLetter` are reported as a {@link HookError} (the 'error' event, or the logger) and change
 * nothing of the delivery; `aroundHandle` is middleware, so what it throws fails the message as a
 * handler's exception does.
 *
 * The handling hooks are sugar over handler middleware ({@link hookMiddleware}): `aroundHandle`
 * is a middleware that must call `next`; `onHandled` and `onFailed` observe the chain's outcome.
 */
import type { DeadLetterEvent } from './events.js';
import { ConfigError, HookError, type HookName } from './errors.js';
import type { MessageContext } from './handlers.js';
import type { MessageLike } from './message.js';
import { errorsOf, type Middleware } from './middleware.js';

/** Passed to {@link StreamerHooks.onPublish}. */
export interface PublishHookEvent {
  /** The channel published to. */
  readonly channel: string;
  /** The message. */
  readonly message: MessageLike;
  /**
   * Extra stream fields to write with this message (besides name and body). A hook may add to it,
   * for example `traceparent`. Values are strings (a finite number, boolean or bigint is
   * written as its text); another value fails the publish with an InvalidMessageError naming the
   * field. `name`, `body` and `rs-idempotency-key` are reserved and
   * ignored here. dtpyfw consumers ignore extra fields.
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
  /**
   * Before a message is published; may add stream fields. If it throws, the publish is refused
   * with a HookError (the exception as its `cause`) and nothing is appended (of a batch: nothing of
   * it).
   */
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

/**
 * The handling hooks as middleware, outermost first: `onHandled`/`onFailed` around everything (so
 * they see how long the whole chain took and how it ended), then `aroundHandle`. `willRetry(attempt,
 * errors)` says what the delivery guarantee will do with a failure. A hook that throws is reported
 * through `report` as a {@link HookError} and does not change the outcome.
 */
export function hookMiddleware(
  hooks: StreamerHooks,
  willRetry: (attempt: number, errors: readonly unknown[]) => boolean,
  report: (err: unknown) => void,
): Middleware[] {
  const out: Middleware[] = [];
  const { onHandled, onFailed, aroundHandle } = hooks;
  if (onHandled !== undefined || onFailed !== undefined) {
    out.push(async (message, next) => {
      const started = performance.now();
      const event = (): HandleHookEvent => ({ name: message.name, payload: message.payload, context: message.context });
      try {
        await next();
      } catch (err) {
        const errors = errorsOf(err);
        const retry = willRetry(message.context.attempt, errors);
        observe('onFailed', () => onFailed?.({ ...event(), errors, willRetry: retry }), report);
        throw err;
      }
      observe('onHandled', () => onHandled?.({ ...event(), durationMs: performance.now() - started }), report);
    });
  }
  if (aroundHandle !== undefined) {
    out.push(async (message, next) => {
      let called = false;
      await aroundHandle({ name: message.name, payload: message.payload, context: message.context }, () => {
        called = true;
        return next();
      });
      if (!called) throw new ConfigError('the aroundHandle hook did not call next()');
    });
  }
  return out;
}

function observe(hook: HookName, call: () => void, report: (err: unknown) => void): void {
  try {
    call();
  } catch (err) {
    report(new HookError(hook, err, "the message's outcome is unchanged"));
  }
}

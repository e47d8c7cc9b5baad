/**
 * Hook points where a message is published, handled, failed and dead-lettered: the place for
 * tracing (inject and extract a traceparent field), metrics and audit. Every hook is optional.
 * Hooks are given in the streamer's options or, as a set, to `streamer.use(hooks)` (the
 * OpenTelemetry integration, `redis-streamer/otel`, is such a set).
 *
 * A hook that throws: `onPublish`, or `aroundPublish` before it calls `next`, fails that publish
 * with a {@link HookError} (nothing appended, since the fields it adds may be what consumers rely
 * on); `onHandled`, `onFailed`, `onDeadLetter`, `logFields` and `aroundPublish` after it called
 * `next` are reported as a {@link HookError} (the 'error' event, or the logger) and change nothing
 * of the delivery or the publish; `aroundHandle` is middleware, so what it throws fails the message
 * as a handler's exception does.
 *
 * The handling hooks are sugar over handler middleware ({@link hookMiddleware}): `aroundHandle`
 * is a middleware that must call `next`; `onHandled` and `onFailed` observe the chain's outcome.
 */
import type { DeadLetterEvent } from './events.js';
import { ConfigError, HookError, type HookName } from './errors.js';
import type { MessageContext } from './handlers.js';
import type { MessageLike } from './message.js';
import { errorsOf, type HandlingMessage, type Middleware } from './middleware.js';

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

/** Passed to {@link StreamerHooks.aroundPublish}: one `sendMessage` or `sendMessages` call. */
export interface PublishCallEvent {
  /** The channel published to. */
  readonly channel: string;
  /** The messages of the call, in order (one for `sendMessage`). */
  readonly messages: readonly MessageLike[];
  /**
   * One record per message (same order): stream fields to write with it besides name and body. The
   * hook may add to each before calling `next` (a trace context); the rules of
   * {@link PublishHookEvent.fields} apply, and `onPublish` gets the same record.
   */
  readonly fields: readonly Record<string, string>[];
  /** `true` for `sendMessages` (a batch, even of one message), `false` for `sendMessage`. */
  readonly batch: boolean;
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
  /**
   * Whether the entry is acknowledged now (at-least-once mode: its XACK goes with the others
   * completed in this event-loop turn); `false` in at-most-once mode, whose reads need none.
   */
  readonly acknowledged: boolean;
}

/** Passed to {@link StreamerHooks.onFailed}. */
export interface FailedHookEvent extends HandleHookEvent {
  /** The errors, one per failing handler. */
  readonly errors: readonly unknown[];
  /** Whether the message will be retried (at-least-once mode, attempts left, recoverable error). */
  readonly willRetry: boolean;
  /** How long the handling took until it failed, in ms. */
  readonly durationMs: number;
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
   * Wraps each publish call (one `sendMessage`, or one `sendMessages` batch): call `next()` exactly
   * once and return its promise, which resolves to the ids of the entries appended, or rejects as
   * the publish does. Before calling it, the hook may add stream fields to each message
   * (`event.fields`). The call's work (encoding, `onPublish`, the append, the replica wait) runs
   * inside `next()`, so a tracing span around it covers the append; called synchronously, `next`
   * keeps concurrent `sendMessage` calls of one tick in one round trip. The publish settles as
   * `next()` did. A hook that throws before calling `next`, or never calls it, fails the publish
   * with a HookError and nothing is appended.
   */
  aroundPublish?: (event: PublishCallEvent, next: () => Promise<readonly string[]>) => Promise<readonly string[]>;
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
  /**
   * Fields for the library's log lines about a message being handled (a handler failure): the
   * trace and span ids of its processing (`trace_id`, `span_id`), for instance, so a log search
   * finds the trace. Called with the context the handlers got, only when such a line is written;
   * the fields are added after the library's own, which they do not replace.
   */
  logFields?: (context: MessageContext) => Readonly<Record<string, string>> | undefined;
}

/** Every hook of {@link StreamerHooks} (the compiler checks that none is missing). */
const HOOK_KEYS: Readonly<Record<keyof StreamerHooks, true>> = {
  onPublish: true,
  aroundHandle: true,
  onHandled: true,
  onFailed: true,
  onDeadLetter: true,
  aroundPublish: true,
  logFields: true,
};

/** The names of the hooks, for the run-time checks of a hooks object. */
export const HOOK_NAMES = Object.keys(HOOK_KEYS) as readonly (keyof StreamerHooks)[];

/**
 * The handling hooks of one set as one middleware: `onHandled`/`onFailed` around everything (so
 * they see how long the whole chain took and how it ended), `aroundHandle` inside them. One layer
 * per set, since every layer costs a promise per message. `willRetry(attempt, errors)` says what
 * the delivery guarantee will do with a failure, `acknowledges` whether it acknowledges a handled
 * entry. A hook that throws is reported through `report` as a {@link HookError} and does not
 * change the outcome. No handling hook, no middleware.
 */
export function hookMiddleware(
  hooks: StreamerHooks,
  willRetry: (attempt: number, errors: readonly unknown[]) => boolean,
  report: (err: unknown) => void,
  acknowledges = false,
): Middleware[] {
  const { onHandled, onFailed, aroundHandle } = hooks;
  const around = aroundHandle === undefined ? undefined : aroundMiddleware(aroundHandle);
  if (onHandled === undefined && onFailed === undefined) return around === undefined ? [] : [around];
  const failed = (message: HandlingMessage, started: number, err: unknown): never => {
    if (onFailed !== undefined) {
      const errors = errorsOf(err);
      const { name, payload, context } = message;
      const event = { name, payload, context, errors, durationMs: performance.now() - started };
      const retry = willRetry(context.attempt, errors);
      observe('onFailed', () => onFailed({ ...event, willRetry: retry }), report);
    }
    throw err;
  };
  const handled = (message: HandlingMessage, started: number): void => {
    if (onHandled === undefined) return;
    const { name, payload, context } = message;
    const event = { name, payload, context, durationMs: performance.now() - started, acknowledged: acknowledges };
    observe('onHandled', () => onHandled(event), report);
  };
  // Not async functions: with a context manager's promise hooks on, each promise saved counts.
  return [
    (message, next) => {
      const started = performance.now();
      let result: Promise<void> | void;
      try {
        result = around === undefined ? next() : around(message, next);
      } catch (err) {
        // (failed() throws: the executor's throw is the rejection)
        return new Promise<void>(() => failed(message, started, err));
      }
      return Promise.resolve(result).then(
        () => handled(message, started),
        (err: unknown) => failed(message, started, err),
      );
    },
  ];
}

/** `aroundHandle` as middleware: it must call `next`. */
function aroundMiddleware(aroundHandle: NonNullable<StreamerHooks['aroundHandle']>): Middleware {
  return (message, next) => {
    let called = false;
    const result = aroundHandle({ name: message.name, payload: message.payload, context: message.context }, () => {
      called = true;
      return next();
    });
    return Promise.resolve(result).then(() => {
      if (!called) throw new ConfigError('the aroundHandle hook did not call next()');
    });
  };
}

function observe(hook: HookName, call: () => void, report: (err: unknown) => void): void {
  try {
    call();
  } catch (err) {
    report(new HookError(hook, err, "the message's outcome is unchanged"));
  }
}

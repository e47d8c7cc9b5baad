/**
 * Handler middleware: functions wrapped around the handling of each message, as Watermill's router
 * middleware wraps its handlers. A middleware gets the message and `next`, which runs the rest of
 * the chain and then the channel's handlers; it may act before and after, replace the payload
 * (validation, decryption), time the work, open a tracing span, or not call `next` at all (the
 * message then counts as handled: a filter).
 *
 * Failure is an exception: `next()` rejects with a {@link HandlerError} when a handler failed, and
 * whatever a middleware throws (or lets through) fails the message, which the delivery guarantee
 * then retries or dead-letters. The atomic moves in Redis (acknowledgement, dead letter) stay in
 * the library, after the chain.
 */
import { ConfigError, HandlerError, toError } from './errors.js';
import { runHandlers, type HandlerEntry, type HandlerFailure, type MessageContext } from './handlers.js';

/** The message a middleware sees. */
export interface HandlingMessage {
  /** The event name. */
  readonly name: string;
  /** The decoded payload; a middleware may replace it before calling `next`. */
  payload: unknown;
  /** Where the message comes from and which attempt this is. */
  readonly context: MessageContext;
}

/**
 * A handler middleware. Call `next()` at most once and await it (or return its promise); it
 * rejects with a {@link HandlerError} when a handler failed.
 */
export type Middleware = (message: HandlingMessage, next: () => Promise<void>) => Promise<void> | void;

/** Runs the handlers; rejects with one {@link HandlerError} naming each failing handler. */
export async function callHandlers(handlers: readonly HandlerEntry[], message: HandlingMessage): Promise<void> {
  const failures = await runHandlers(handlers, message.name, message.payload, message.context);
  if (failures.length > 0) throw handlerError(failures);
}

/** One error naming each failing handler: `label: message; label: message`, the first one's stack. */
export function handlerError(failures: readonly HandlerFailure[]): HandlerError {
  const message = failures.map((f) => `${f.label}: ${toError(f.error).message}`).join('; ');
  return new HandlerError(
    message,
    failures.map((f) => f.error),
  );
}

/**
 * Composes middlewares around a final step: the first one is the outermost. The result runs the
 * whole chain for one message. A middleware's result is awaited and its value ignored; what it
 * throws, synchronously or not, rejects the chain. (No async function per layer: with a context
 * manager on, as OpenTelemetry's, every promise costs its hooks, so each layer makes one.)
 */
export function compose(
  middlewares: readonly Middleware[],
  final: (message: HandlingMessage) => Promise<void>,
): (message: HandlingMessage) => Promise<void> {
  if (middlewares.length === 0) return final;
  return (message) => {
    const step = (i: number): Promise<void> => {
      const middleware = middlewares[i];
      if (middleware === undefined) return final(message);
      let called = false;
      let result: Promise<void> | void;
      try {
        result = middleware(message, () => {
          if (called) return Promise.reject(new ConfigError(`middleware #${i + 1} called next() twice`));
          called = true;
          return step(i + 1);
        });
      } catch (err) {
        return rejectWith(err);
      }
      return Promise.resolve(result).then(nothing);
    };
    return step(0);
  };
}

const nothing = (): void => {};

/** A promise rejected with what was thrown, as it was thrown. */
function rejectWith(err: unknown): Promise<never> {
  return Promise.resolve().then(() => {
    throw err;
  });
}

/** The errors a failed chain carries: the handlers' own, or the one a middleware threw. */
export function errorsOf(err: unknown): readonly unknown[] {
  return err instanceof HandlerError ? err.errors : [err];
}

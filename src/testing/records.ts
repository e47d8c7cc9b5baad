/**
 * What a test bus records of its streamers: each handling (succeeded or failed) and each dead
 * letter, per service, as the streamers report them. A handling is recorded by a middleware placed
 * first in each streamer's chain (inside the streamer's `aroundHandle` hook, if any), so it sees
 * the outcome of the whole chain: what the handlers (and the other middleware) did with the message.
 */
import type { DeadLetterEvent, ErrorContext, Logger, MessageContext, RedisStreamer } from '../index.js';
import type { Middleware } from '../middleware.js';

/** One handling of a message by one service: the handlers all succeeded. */
export interface Handling {
  /** The service, as given to `bus.streamer(service)`. */
  readonly service: string;
  /** The channel. */
  readonly channel: string;
  /** The event name. */
  readonly name: string;
  /** The payload as the handlers got it (after validation and any middleware that replaced it). */
  readonly payload: unknown;
  /** The entry id (in the group's replay stream for a replayed dead letter: see `context.source`). */
  readonly id: string;
  /** The delivery attempt, from 1. */
  readonly attempt: number;
  /** Everything the handlers were told about the message. */
  readonly context: MessageContext;
}

/** One failed handling: a handler (or a middleware) threw. */
export interface Failure extends Handling {
  /** What the chain failed with: a HandlerError naming each failing handler, or what a middleware threw. */
  readonly error: Error;
}

/** One message a service gave up on: moved to the channel's dead-letter stream. */
export interface DeadLettered extends DeadLetterEvent {
  /** The service that gave up on it. */
  readonly service: string;
}

/** An error a streamer recovered from (its 'error' event), which the logger would have reported. */
export interface ReportedError {
  /** The service whose streamer reported it. */
  readonly service: string;
  /** The error, as the 'error' event gave it. */
  readonly error: Error;
  /** Where it happened, as the 'error' event gave it. */
  readonly context: ErrorContext;
}

/**
 * A warning a streamer logged (its logger's `warn`): what production would show in its logs, such as
 * a handler registered for a channel that is not subscribed.
 */
export interface LoggedWarning {
  /** The service whose streamer logged it. */
  readonly service: string;
  /** The message logged. */
  readonly message: string;
  /** The structured fields logged with it (channel, group...). */
  readonly fields: object;
}

/** The records of one bus. */
export class Recorder {
  readonly handled: Handling[] = [];
  readonly failed: Failure[] = [];
  readonly deadLettered: DeadLettered[] = [];
  readonly errors: ReportedError[] = [];
  readonly warnings: LoggedWarning[] = [];
  /** Handlings started and not ended. */
  running = 0;
  /** Bumped on every record and every handling started: the bus watches it to tell when work stops. */
  version = 0;

  /** The middleware that records a service's handlings (placed first in its chain). */
  middleware(service: string): Middleware {
    return async (message, next) => {
      this.running++;
      this.version++;
      const record = (): Handling => ({
        service,
        channel: message.context.channel,
        name: message.name,
        payload: message.payload,
        id: message.context.id,
        attempt: message.context.attempt,
        context: message.context,
      });
      try {
        await next();
        this.handled.push(record());
      } catch (err) {
        this.failed.push({ ...record(), error: err instanceof Error ? err : new Error(String(err)) });
        throw err;
      } finally {
        this.running--;
        this.version++;
      }
    };
  }

  /** A logger that records a service's warnings, then passes every call on to `next`. */
  logger(service: string, next: Logger): Logger {
    return {
      debug: (fields, message) => next.debug(fields, message),
      info: (fields, message) => next.info(fields, message),
      warn: (fields, message) => {
        this.warnings.push({ service, message: message ?? '', fields });
        next.warn(fields, message);
      },
      error: (fields, message) => next.error(fields, message),
    };
  }

  /** Records a streamer's dead letters and recovered-from errors. */
  watch(streamer: RedisStreamer, service: string): void {
    streamer.on('deadLetter', (event) => {
      this.deadLettered.push({ ...event, service });
      this.version++;
    });
    streamer.on('error', (error, context) => {
      this.errors.push({ service, error, context });
      this.version++;
    });
  }
}

/**
 * Named error classes with stable codes, so callers can branch on `err.code` instead of on text.
 */

/** Codes carried by {@link RedisStreamerError}. */
export type ErrorCode =
  | 'ERR_CONFIG'
  | 'ERR_INVALID_MESSAGE'
  | 'ERR_MESSAGE_TOO_LARGE'
  | 'ERR_CLOSED'
  | 'ERR_PARTIAL_PUBLISH'
  | 'ERR_PUBLISH'
  | 'ERR_UNRECOVERABLE'
  | 'ERR_DECODE';

/** Base class of every error this library throws or emits. */
export class RedisStreamerError extends Error {
  /** A stable, machine-readable code. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An option or argument is invalid. The message says which and what is expected. */
export class ConfigError extends RedisStreamerError {
  constructor(message: string) {
    super('ERR_CONFIG', message);
  }
}

/** A message cannot be published: its name is not a string or its body is not JSON-serialisable. */
export class InvalidMessageError extends RedisStreamerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_INVALID_MESSAGE', message, options);
  }
}

/** A message is larger than `maxMessageBytes`. */
export class MessageTooLargeError extends RedisStreamerError {
  constructor(message: string) {
    super('ERR_MESSAGE_TOO_LARGE', message);
  }
}

/**
 * A message could not be confirmed as published because the connection to Redis failed. When the
 * connection dropped while the command was in flight, Redis may still have appended it.
 */
export class PublishError extends RedisStreamerError {
  constructor(channel: string, cause: unknown) {
    super(
      'ERR_PUBLISH',
      `could not publish to "${channel}": the connection to Redis failed (${toError(cause).message}); the message may or may not have been appended`,
      { cause },
    );
  }
}

/**
 * `sendMessages` failed part-way: the messages before `publishedIds.length` were published (with
 * these ids), the others were not.
 */
export class PartialPublishError extends RedisStreamerError {
  /** Ids of the messages that were published, in order. */
  readonly publishedIds: readonly string[];

  constructor(publishedIds: readonly string[], total: number, cause: unknown) {
    super('ERR_PARTIAL_PUBLISH', `published ${publishedIds.length} of ${total} messages: ${toError(cause).message}`, {
      cause,
    });
    this.publishedIds = publishedIds;
  }
}

/** The streamer was cleaned up; create a new one to continue. */
export class ClosedError extends RedisStreamerError {
  constructor(message = 'the streamer has been cleaned up; create a new RedisStreamer') {
    super('ERR_CLOSED', message);
  }
}

/**
 * Thrown by a handler to say that retrying cannot help (a validation failure, say). In
 * at-least-once mode the entry goes straight to the dead-letter stream instead of being retried.
 */
export class UnrecoverableError extends RedisStreamerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_UNRECOVERABLE', message, options);
  }
}

/** An entry read from a stream could not be decoded into a message (missing field, bad JSON...). */
export class DecodeError extends RedisStreamerError {
  /** Why decoding failed; becomes the dead-letter reason. */
  readonly reason: DecodeFailure;

  constructor(reason: DecodeFailure, message: string, options?: { cause?: unknown }) {
    super('ERR_DECODE', message, options);
    this.reason = reason;
  }
}

/** Why an entry could not be decoded. */
export type DecodeFailure = 'missing-name' | 'missing-body' | 'invalid-json' | 'invalid-utf8' | 'too-large';

/** Turns anything thrown into an Error, keeping Errors as they are. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  let text: string;
  try {
    text = String(value);
  } catch {
    text = Object.prototype.toString.call(value); // e.g. an object without a prototype
  }
  return new Error(`non-error thrown: ${text}`);
}

/** True for the errors Redis returns when a stream or its consumer group is missing. */
export function isNoGroupError(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOGROUP');
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ECONNABORTED',
]);

/** True for errors that only say the connection was lost or unavailable (the client reconnects). */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  if (err.message === 'Connection is closed.' || err.message.startsWith("Stream isn't writeable")) return true;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && CONNECTION_CODES.has(code);
}

/** True for the error XGROUP CREATE returns when the group already exists. */
export function isBusyGroupError(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('BUSYGROUP');
}

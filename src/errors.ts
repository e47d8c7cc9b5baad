/**
 * Named error classes with stable codes, so callers (and the library itself) branch on `err.code`
 * or `instanceof`, never on message text. Every error the library throws, rejects with or emits is
 * one of these. None of them carries a credential: errors coming from the Redis client are copied
 * into these classes without the client's command arguments (where AUTH would leave the password).
 *
 * A leaf module: it imports only reply-meaning.ts and thrown.ts, other leaves.
 */
import { loginHint, replyMeaning } from './reply-meaning.js';
import { describeThrown } from './thrown.js';

/** Codes carried by {@link RedisStreamerError}. */
export type ErrorCode =
  | 'ERR_CONFIG'
  | 'ERR_INVALID_MESSAGE'
  | 'ERR_MESSAGE_TOO_LARGE'
  | 'ERR_CLOSED'
  | 'ERR_PARTIAL_PUBLISH'
  | 'ERR_PUBLISH'
  | 'ERR_REPLICATION'
  | 'ERR_UNRECOVERABLE'
  | 'ERR_DECODE'
  | 'ERR_CONNECTION'
  | 'ERR_AUTH'
  | 'ERR_REDIS'
  | 'ERR_REPLY'
  | 'ERR_INTERNAL'
  | 'ERR_HANDLER'
  | 'ERR_HOOK'
  | 'ERR_CONSUME'
  | 'ERR_DEAD_LETTER'
  | 'ERR_SHUTDOWN_TIMEOUT'
  | 'ERR_DATABASE'
  | 'ERR_NOT_SETTLED';

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
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_CONFIG', message, options);
  }
}

/** One problem a channel contract's schema found in a body. */
export interface SchemaIssue {
  /** Where in the body: `orderId`, `items[2].sku`; `''` for the body itself. */
  readonly path: string;
  /** What the schema said. */
  readonly message: string;
}

/**
 * A message cannot be published: its name is not a string, its body cannot be written as JSON, or
 * (with a channel contract) its event name is not in the contract or its body does not match the
 * event's schema; `issues` then lists what the schema found.
 */
export class InvalidMessageError extends RedisStreamerError {
  /** What the contract's schema found, each with its path (empty unless a schema refused the body). */
  readonly issues: readonly SchemaIssue[];

  constructor(message: string, options?: { cause?: unknown; issues?: readonly SchemaIssue[] }) {
    super('ERR_INVALID_MESSAGE', message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.issues = options?.issues ?? [];
  }
}

/** A message is larger than `maxMessageBytes`. */
export class MessageTooLargeError extends RedisStreamerError {
  constructor(message: string) {
    super('ERR_MESSAGE_TOO_LARGE', message);
  }
}

/**
 * Redis could not be reached, or a connection dropped. `sent` tells whether the command had been
 * written to the socket before the connection failed: only then may Redis have executed it.
 */
export class ConnectionError extends RedisStreamerError {
  /** Where: `host:port` (or the topology's description). */
  readonly endpoint: string;
  /** Whether the failed command had been written to the socket (its outcome is then unknown). */
  readonly sent: boolean;

  constructor(
    endpoint: string,
    message: string,
    options: { cause?: unknown; sent?: boolean; code?: 'ERR_CONNECTION' | 'ERR_AUTH' } = {},
  ) {
    super(options.code ?? 'ERR_CONNECTION', message, options.cause === undefined ? {} : { cause: options.cause });
    this.endpoint = endpoint;
    this.sent = options.sent ?? false;
  }
}

/** Redis refused the login (wrong password, unknown or disabled user). Never carries the password. */
export class AuthError extends ConnectionError {
  /** The ACL user name that was refused. */
  readonly user: string;
  /** What Redis said. */
  readonly reason: string;

  constructor(endpoint: string, user: string, reason: string) {
    const hint = loginHint(reason);
    super(endpoint, `Redis at ${endpoint} refused the login of user "${user}": ${reason}${hint}`, { code: 'ERR_AUTH' });
    this.user = user;
    this.reason = reason;
  }
}

/**
 * Redis answered a command with an error (OOM, NOPERM, WRONGTYPE, EXECABORT, NOGROUP...). The
 * command did not take effect. `redisCode` is the first word of Redis's reply.
 */
export class RedisCommandError extends RedisStreamerError {
  /** The error prefix Redis used: `OOM`, `NOPERM`, `NOGROUP`, `BUSYGROUP`, `NOSCRIPT`, `ERR`... */
  readonly redisCode: string;
  /** The command's name (never its arguments). */
  readonly command: string;
  /** Where: `host:port`. */
  readonly endpoint: string;

  constructor(endpoint: string, command: string, reply: string) {
    const { code, hint } = replyMeaning(reply);
    super('ERR_REDIS', `Redis at ${endpoint} refused ${command.toUpperCase()}: ${reply}${hint}`);
    this.redisCode = code;
    this.command = command;
    this.endpoint = endpoint;
  }
}

/**
 * A reply from Redis did not have the shape the library expects (a script changed without its
 * caller, a proxy in between that rewrites replies). Report it: it is a bug or a misconfiguration.
 */
export class UnexpectedReplyError extends RedisStreamerError {
  constructor(message: string) {
    super('ERR_REPLY', message);
  }
}

/** A broken invariant inside the library: a bug. The message says what; please report it. */
export class InternalError extends RedisStreamerError {
  constructor(message: string) {
    super('ERR_INTERNAL', `${message} (a bug in redis-streamer: please report it)`);
  }
}

/**
 * A message could not be published. `inDoubt` is true only when the command had been written to
 * Redis before the connection failed: the message may or may not have been appended. Otherwise
 * (Redis unreachable, or a refusal such as OOM) nothing was appended and a retry is safe.
 */
export class PublishError extends RedisStreamerError {
  /** The channel. */
  readonly channel: string;
  /** Whether the message may have been appended although the call failed. */
  readonly inDoubt: boolean;

  constructor(
    channel: string,
    cause: unknown,
    code: 'ERR_PUBLISH' | 'ERR_PARTIAL_PUBLISH' | 'ERR_REPLICATION' = 'ERR_PUBLISH',
  ) {
    const inDoubt = cause instanceof ConnectionError && cause.sent;
    const why = toError(cause).message;
    const fate = inDoubt
      ? 'the connection dropped after the command was sent, so the message may or may not have been appended'
      : 'nothing was appended';
    super(code, `could not publish to "${channel}": ${why}; ${fate}`, { cause });
    this.channel = channel;
    this.inDoubt = inDoubt;
  }
}

/**
 * A publish that asked for replica acknowledgements (`replicas`) was appended on the primary, but
 * fewer replicas than asked confirmed it within `timeoutMs` (WAIT's answer), or WAIT itself failed
 * after the append (refused, or its connection dropped: `cause` says why, and `acknowledgedBy` is
 * 0). The entry exists (its ids are here); it could still be lost if the primary failed before a
 * replica received it. Retrying appends it again, unless it carries an idempotency key.
 */
export class ReplicationError extends PublishError {
  /** The ids of the appended entries (one for `sendMessage`). */
  readonly ids: readonly string[];
  /** How many replicas confirmed the write (0 when WAIT failed). */
  readonly acknowledgedBy: number;
  /** How many were asked for. */
  readonly replicas: number;
  /** How long WAIT waited for them, in ms. */
  readonly timeoutMs: number;

  /** @param waitError why WAIT failed after the append (undefined: WAIT answered too few replicas). */
  constructor(
    channel: string,
    ids: readonly string[],
    acknowledgedBy: number,
    replicas: number,
    timeoutMs: number,
    waitError?: unknown,
  ) {
    super(channel, undefined, 'ERR_REPLICATION');
    this.ids = ids;
    this.acknowledgedBy = acknowledgedBy;
    this.replicas = replicas;
    this.timeoutMs = timeoutMs;
    const what = `published to "${channel}" (${ids.length === 1 ? `id ${ids[0]}` : `${ids.length} entries`})`;
    const risk = 'it is on the primary and may be lost if the primary fails before a replica has it';
    if (waitError === undefined) {
      this.message = `${what}, but only ${acknowledgedBy} of ${replicas} replicas confirmed it within ${timeoutMs} ms: ${risk}`;
    } else {
      this.cause = waitError;
      const why = toError(waitError).message;
      this.message = `${what}, but WAIT for ${replicas} replicas failed after the append (${why}), so no replica is known to have it: ${risk}`;
    }
  }
}

/**
 * `sendMessages` failed part-way. Each chunk of a batch is appended atomically, and chunks are
 * sent in order, so the messages split into three runs: `publishedIds` (the first ones, appended,
 * with their ids), `inDoubt` (indexes of a chunk whose command was sent when the connection
 * dropped: appended or not, as a whole) and `notPublished` (indexes of messages that were refused
 * or never sent: retrying them is safe).
 */
export class PartialPublishError extends PublishError {
  /** Ids of the messages that were appended: messages `0 .. publishedIds.length - 1`. */
  readonly publishedIds: readonly string[];
  /** Indexes of messages that may or may not have been appended. */
  readonly inDoubtIndexes: readonly number[];
  /** Indexes of messages that were certainly not appended. */
  readonly notPublishedIndexes: readonly number[];

  constructor(channel: string, publishedIds: readonly string[], total: number, failedChunk: number, cause: unknown) {
    super(channel, cause, 'ERR_PARTIAL_PUBLISH');
    const start = publishedIds.length;
    const doubtful = this.inDoubt ? failedChunk : 0;
    this.publishedIds = publishedIds;
    this.inDoubtIndexes = range(start, start + doubtful);
    this.notPublishedIndexes = range(start + doubtful, total);
    this.message =
      `published ${start} of ${total} messages to "${channel}"` +
      (doubtful > 0 ? `, ${doubtful} in doubt` : '') +
      `, ${total - start - doubtful} not appended: ${toError(cause).message}`;
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

/** Why an entry could not be decoded. */
export type DecodeFailure =
  | 'missing-name'
  | 'missing-body'
  | 'invalid-json'
  | 'invalid-utf8'
  | 'too-large'
  /** The body does not match its event's schema in the channel's contract. */
  | 'schema'
  /** The channel's contract does not list the event name (and says to dead-letter such entries). */
  | 'unknown-event';

/**
 * An entry read from a stream could not be decoded into a message (missing field, bad JSON...), or,
 * on a channel with a contract, is not a valid message of it.
 */
export class DecodeError extends RedisStreamerError {
  /** Why decoding failed; becomes the dead-letter reason. */
  readonly reason: DecodeFailure;
  /** What the contract's schema found (reason `schema`), each with its path; empty otherwise. */
  readonly issues: readonly SchemaIssue[];

  constructor(reason: DecodeFailure, message: string, options?: { cause?: unknown; issues?: readonly SchemaIssue[] }) {
    super('ERR_DECODE', message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.issues = options?.issues ?? [];
  }
}

/** The handlers of one message failed: one message naming each failing handler, the first one's stack. */
export class HandlerError extends RedisStreamerError {
  /** The errors, one per failing handler, as thrown. */
  readonly errors: readonly unknown[];

  constructor(message: string, errors: readonly unknown[]) {
    super('ERR_HANDLER', message, { cause: errors[0] });
    this.errors = errors;
    const first = errors[0];
    if (first instanceof Error && first.stack !== undefined) this.stack = first.stack;
  }
}

/**
 * Where user code that is not a handler was called: a hook (`hooks` of the streamer), a
 * subscription's `orderingKey`, or a listener of one of the streamer's events (`listener:error`...).
 */
export type HookName =
  | 'onPublish'
  | 'aroundPublish'
  | 'onHandled'
  | 'onFailed'
  | 'onDeadLetter'
  | 'logFields'
  | 'orderingKey'
  | `listener:${string}`;

/**
 * User code the library calls, other than a handler or a middleware, threw: a hook, an
 * `orderingKey` function, or an event listener. `cause` is what it threw, as thrown. A throwing
 * `onPublish` fails its publish with this error (nothing of the message, or of the batch, is
 * appended); the others are reported (the 'error' event, or the logger) and delivery goes on.
 */
export class HookError extends RedisStreamerError {
  /** Which callback threw. */
  readonly hook: HookName;

  constructor(hook: HookName, cause: unknown, consequence: string) {
    super('ERR_HOOK', `${describeHook(hook)} threw: ${toError(cause).message}; ${consequence}`, { cause });
    this.hook = hook;
  }
}

function describeHook(hook: HookName): string {
  if (hook === 'orderingKey') return 'the orderingKey function';
  if (hook.startsWith('listener:')) return `a "${hook.slice('listener:'.length)}" event listener`;
  return `the ${hook} hook`;
}

/** A channel's consume loop met a problem it recovers from (it keeps running or is restarted). */
export class ConsumeError extends RedisStreamerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_CONSUME', message, options);
  }
}

/** An entry could not be moved to the dead-letter stream. */
export class DeadLetterError extends RedisStreamerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_DEAD_LETTER', message, options);
  }
}

/** Shutdown went on without handlers that were still running after `shutdownTimeoutMs`. */
export class ShutdownTimeoutError extends RedisStreamerError {
  constructor(message: string) {
    super('ERR_SHUTDOWN_TIMEOUT', message);
  }
}

/** Turns anything thrown into an Error, keeping Errors as they are (see {@link describeThrown}). */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  return new Error(`non-error thrown: ${describeThrown(value)}`);
}

/** True for the errors Redis returns when a stream or its consumer group is missing. */
export function isNoGroupError(err: unknown): boolean {
  return err instanceof RedisCommandError && err.redisCode === 'NOGROUP';
}

/** True for errors that say the connection was lost or unavailable (the client reconnects). */
export function isConnectionError(err: unknown): err is ConnectionError {
  return err instanceof ConnectionError;
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}

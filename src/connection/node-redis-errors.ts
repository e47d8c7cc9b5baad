/**
 * node-redis errors turned into the library's classes, in one place. What a node-redis command
 * rejects with is either a reply of the server (an `ErrorReply`: the command was refused and had no
 * effect) or a failure of the connection. The copies keep the message and the errno code and drop
 * everything else, so no credential can travel with them.
 *
 * Whether a failed command had been written to the socket is decided by what happened to it (see
 * node-redis-connection.ts), never by the connection's state when it was called.
 */
import { AuthError, ConfigError, ConnectionError, RedisCommandError, RedisStreamerError } from '../errors.js';
import { nodeRedis } from './node-redis-library.js';
import { isSelectRefused, noDatabase } from './diagnosis.js';
import { singleServerHint } from '../reply-meaning.js';

/** Where a connection goes and as whom, for messages (never with the password). */
export interface Where {
  /** `host:port` (or the topology's description). */
  readonly endpoint: string;
  /** The ACL user (`default` when none is given). */
  readonly user: string;
  /** The database index. */
  readonly db: number;
  /** Whether the connection is one node of a cluster connection (which reads MOVED and ASK itself). */
  readonly clusterNode?: boolean;
  /** Whether it uses TLS. */
  readonly tls?: boolean;
}

/** Whether Redis itself answered with this error (as opposed to a connection failure). */
export function isReplyError(err: unknown): err is Error {
  return err instanceof nodeRedis().ErrorReply;
}

/**
 * Whether node-redis failed a command without writing it: removed from its queue by an abort (the
 * adapter aborts the commands still queued when a connection is lost or closed), or refused before
 * being queued because the client was closed.
 */
export function isUnsent(err: unknown): boolean {
  const lib = nodeRedis();
  return err instanceof lib.AbortError || err instanceof lib.ClientClosedError || err instanceof lib.ClientOfflineError;
}

/** The first word of a Redis error reply (`NOGROUP`, `OOM`, `WRONGPASS`...). */
export function replyCode(err: Error): string {
  return /^[A-Z]+/.exec(err.message)?.[0] ?? 'ERR';
}

/** A reply error of a command: a refused login, or Redis refusing the command. */
export function translateReply(err: Error, where: Where, command: string): RedisStreamerError {
  const code = replyCode(err);
  if (code === 'WRONGPASS' || code === 'NOAUTH') return new AuthError(where.endpoint, where.user, err.message);
  const hint = where.clusterNode === true ? '' : singleServerHint(err.message);
  return new RedisCommandError(where.endpoint, command, err.message + hint);
}

/** What is known about a command that failed because of its connection. */
export interface CommandFailure {
  /** The command's name. */
  readonly command: string;
  /** Whether it had been written to the socket. */
  readonly sent: boolean;
  /** Why the connection is down, when known (so an unsent command's error can say why). */
  readonly down?: RedisStreamerError | undefined;
}

/** Translates the failure of one command into the library's classes. */
export function translateCommandError(err: unknown, where: Where, failure: CommandFailure): RedisStreamerError {
  if (err instanceof RedisStreamerError) return err;
  if (isReplyError(err)) return translateReply(err, where, failure.command);
  if (!failure.sent && failure.down !== undefined) return copyOf(failure.down);
  const message = failure.sent
    ? `the connection to Redis at ${where.endpoint} failed while ${failure.command.toUpperCase()} was in flight (${describe(err)})`
    : `cannot reach Redis at ${where.endpoint} (${describe(err)})`;
  return new ConnectionError(where.endpoint, message, { sent: failure.sent, cause: sanitized(err) });
}

/**
 * Translates why a connection could not be made or was lost: a refused TCP connection or TLS
 * handshake, a refused login, a database that does not exist (a {@link ConfigError}: the connection
 * is then closed for good), or another refusal of the commands that open a connection.
 */
export function translateConnectionError(err: unknown, where: Where): RedisStreamerError {
  if (err instanceof RedisStreamerError) return err;
  if (isReplyError(err)) {
    const code = replyCode(err);
    if (code === 'WRONGPASS' || code === 'NOAUTH' || /'auth'|'hello'/i.test(err.message)) {
      return new AuthError(where.endpoint, where.user, err.message);
    }
    if (isSelectRefused(err.message)) return noDatabase(where.endpoint, where.db, err.message);
    return new RedisCommandError(where.endpoint, /'client/i.test(err.message) ? 'client' : 'connect', err.message);
  }
  return new ConnectionError(where.endpoint, `cannot reach Redis at ${where.endpoint} (${describe(err)})`, {
    cause: sanitized(err),
  });
}

/**
 * A fresh copy of the reason a connection is down, for a command that never left because of it:
 * a refused login, a database that does not exist, a refused TCP connection.
 */
export function copyOf(failure: RedisStreamerError): RedisStreamerError {
  if (failure instanceof AuthError) return new AuthError(failure.endpoint, failure.user, failure.reason);
  if (failure instanceof ConnectionError) {
    return new ConnectionError(failure.endpoint, failure.message, { cause: failure.cause });
  }
  if (failure instanceof ConfigError) return new ConfigError(failure.message);
  return failure;
}

/** The part of an error worth showing: its message. */
function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A copy of an error with only its name, message and errno code. */
export function sanitized(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  const copy = new Error(err.message);
  copy.name = err.name;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') (copy as Error & { code: string }).code = code;
  return copy;
}

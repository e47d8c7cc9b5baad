/**
 * ioredis errors turned into the library's classes, in one place. What ioredis rejects with is
 * either a reply from Redis (a `ReplyError`: the command was refused and had no effect) or a
 * failure of the connection (refused, dropped, closed, not retried). The copies keep the message and
 * the errno code and drop everything else: ioredis attaches the failed command with its arguments
 * to its errors, and for AUTH those arguments hold the password.
 */
import { AuthError, ConfigError, ConnectionError, RedisCommandError, RedisStreamerError } from '../errors.js';
import { ioredis } from './ioredis-library.js';
import { NO_ANSWER_CAUSES, noDatabase } from './diagnosis.js';
import { singleServerHint } from '../reply-meaning.js';

/** What is known about the command that failed. */
export interface FailureContext {
  /** `host:port`. */
  readonly endpoint: string;
  /** The ACL user the connection logs in as. */
  readonly user: string;
  /** The command's name. */
  readonly command: string;
  /** Whether it had been written to the socket. */
  readonly sent: boolean;
  /** Why the connection is down, when it is (so a queued command's error can say why). */
  readonly connectionFailure?: RedisStreamerError | undefined;
  /** Whether the client is a cluster client (which follows MOVED and ASK itself). */
  readonly cluster: boolean;
}

/** Whether Redis itself answered with this error (as opposed to a connection failure). */
export function isReply(err: unknown): err is Error {
  return err instanceof (ioredis().ReplyError as ErrorConstructor);
}

/** The first word of a Redis error reply (`NOGROUP`, `OOM`, `WRONGPASS`...). */
function replyCode(err: Error): string {
  return /^[A-Z]+/.exec(err.message)?.[0] ?? 'ERR';
}

/** Translates an error of a command into the library's classes. */
export function translateCommandError(err: unknown, ctx: FailureContext): RedisStreamerError {
  if (err instanceof RedisStreamerError) return ctx.sent ? asSent(err) : err;
  if (isReply(err)) {
    const code = replyCode(err);
    if (code === 'WRONGPASS' || code === 'NOAUTH') return new AuthError(ctx.endpoint, ctx.user, err.message);
    const hint = ctx.cluster ? '' : singleServerHint(err.message);
    return new RedisCommandError(ctx.endpoint, ctx.command, err.message + hint);
  }
  const failure = ctx.connectionFailure;
  if (!ctx.sent && failure !== undefined) return copyOf(failure);
  const message = ctx.sent
    ? `the connection to Redis at ${ctx.endpoint} failed while ${ctx.command.toUpperCase()} was in flight (${describe(err)})`
    : `cannot reach Redis at ${ctx.endpoint} (${describe(err)})`;
  return new ConnectionError(ctx.endpoint, message, { sent: ctx.sent, cause: sanitized(err) });
}

/**
 * An error the library failed queued commands with (a close, a failed round) as it applies to a
 * command that had been written: `sent: true`, since it may have run.
 */
function asSent(err: RedisStreamerError): RedisStreamerError {
  if (!(err instanceof ConnectionError) || err instanceof AuthError || err.sent) return err;
  return new ConnectionError(err.endpoint, err.message, { sent: true, cause: err.cause });
}

/**
 * A fresh copy of the reason a connection is down, for a command that never left because of it:
 * a refused login, a database that does not exist, a refused TCP connection.
 */
function copyOf(failure: RedisStreamerError): RedisStreamerError {
  if (failure instanceof AuthError) return new AuthError(failure.endpoint, failure.user, failure.reason);
  if (failure instanceof ConnectionError) {
    return new ConnectionError(failure.endpoint, failure.message, { cause: failure.cause });
  }
  if (failure instanceof ConfigError) return new ConfigError(failure.message);
  return failure;
}

/** ioredis' error when every sentinel refused the login. */
const SENTINEL_LOGIN_REFUSED = /All sentinels are unreachable.*Last error: (WRONGPASS|NOAUTH)/s;
/** ioredis' error when no sentinel told where the primary is (refused, timed out, or did not know). */
const SENTINELS_UNREACHABLE = /^All sentinels are unreachable/;

/**
 * Whether an ioredis connection error says that no sentinel told where the primary is, in one round
 * of asking each. ioredis then asks them again and again within its connect, without failing the
 * commands waiting for it: a sentinel that is down or hung (each answer waited for 1 s) would hold
 * them for as long as that lasts.
 */
export function isSentinelsUnreachable(err: unknown): err is Error {
  return err instanceof Error && SENTINELS_UNREACHABLE.test(err.message);
}

/** ioredis' error when no seed node of a cluster gave its slot map (ClusterAllFailedError). */
export function isClusterAllFailed(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ClusterAllFailedError';
}

/**
 * Whether an ioredis connection error says every sentinel refused the login. ioredis then asks them
 * again and again within its connect, without failing the commands waiting for it.
 */
export function isSentinelLoginRefused(err: unknown): err is Error {
  return err instanceof Error && SENTINEL_LOGIN_REFUSED.test(err.message);
}

/**
 * Translates an error the client reports about the connection itself (its 'error' event): a
 * refused TCP connection, a refused login, a database that does not exist.
 */
export function translateConnectionError(
  err: unknown,
  endpoint: string,
  user: string,
  db: number,
  sentinelUser = 'default',
): RedisStreamerError {
  if (err instanceof RedisStreamerError) return err;
  if (isReply(err)) {
    const code = replyCode(err);
    const command = commandName(err);
    if (code === 'WRONGPASS' || code === 'NOAUTH' || command === 'auth' || command === 'hello') {
      return new AuthError(endpoint, user, err.message);
    }
    if (command === 'select') return noDatabase(endpoint, db, err.message);
    return new RedisCommandError(endpoint, command ?? 'connect', err.message);
  }
  // ioredis asks the sentinels again and again in itself; a refused login is only in its message.
  if (isSentinelLoginRefused(err)) {
    return new AuthError(endpoint, sentinelUser, describe(err));
  }
  const said = describe(err);
  const hint = said.includes('ETIMEDOUT') ? `: nothing came back in time (${NO_ANSWER_CAUSES})` : '';
  return new ConnectionError(endpoint, `cannot reach Redis at ${endpoint} (${said}${hint})`, {
    cause: sanitized(err),
  });
}

/** The name of the command an ioredis error is about, without its arguments. */
function commandName(err: Error): string | undefined {
  const command = (err as { command?: { name?: unknown } }).command;
  return typeof command?.name === 'string' ? command.name.toLowerCase() : undefined;
}

/** The part of an error worth showing: its errno code and message. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.message;
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

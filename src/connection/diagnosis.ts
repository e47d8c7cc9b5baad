/**
 * What to tell a user whose cluster or Sentinel set cannot be used, from what each node said in
 * one round of connection attempts. Client-neutral: an adapter collects, per seed node or sentinel,
 * the error it met (or that the sentinel did not know the primary), and builds the error here, so
 * every adapter says the same thing. Each is a {@link ConnectionError} (`sent: false`: nothing was
 * written to Redis) whose message names what is wrong and what to do.
 */
import { AuthError, ConfigError, ConnectionError, type RedisStreamerError } from '../errors.js';

/** Why a server may answer nothing within the connect timeout, for the message that says so. */
export const NO_ANSWER_CAUSES =
  'a firewall dropping packets, a TLS port reached without TLS (redis:// for rediss://) or the reverse, a stuck server';

const RESET_HINT =
  ': the server closed the connection before its first answer (a TLS port reached without TLS: use rediss://; or a proxy with no server behind it)';

/**
 * A connection reset before the server's first answer: the error, saying what that usually means (a
 * TLS port answers a plain connection so). Any other error as it is. Only for a plain (not TLS)
 * connection never ready yet: a reset later is a server gone or restarted.
 */
export function resetBeforeFirstAnswer(error: RedisStreamerError): RedisStreamerError {
  if (!(error instanceof ConnectionError) || error instanceof AuthError) return error;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  if (code !== 'ECONNRESET' && !error.message.includes('Socket closed unexpectedly')) return error;
  if (error.message.endsWith(RESET_HINT)) return error;
  const message = `${error.message}${RESET_HINT}`;
  return new ConnectionError(error.endpoint, message, { cause: error.cause, sent: error.sent });
}

/** What one node or sentinel said in a round of attempts. */
export type NodeFailure =
  /** It could not be reached, or failed the command (`reason`: the client's error message). */
  | { readonly node: string; readonly kind: 'failed'; readonly reason: string }
  /** A seed that answered CLUSTER SLOTS with "cluster support disabled": a plain server. */
  | { readonly node: string; readonly kind: 'not-cluster' }
  /** A sentinel that answered, but knows no primary by the name asked for (an error, or nil). */
  | { readonly node: string; readonly kind: 'unknown-primary' };

/** Whether a reply to CLUSTER SLOTS (or CLUSTER SHARDS, INFO-based checks) says the server is no cluster node. */
export function isClusterDisabledReply(message: string): boolean {
  return /cluster support disabled/i.test(message);
}

/**
 * Whether a reply to AUTH says the server needs no login (its default user has no password, or
 * Redis before 6 had no users): ioredis then goes on without the login and warns, and so does the
 * node-redis adapter, so a service that gives a password a server does not need connects on both.
 */
export function isLoginNotNeededReply(message: string): boolean {
  return (
    message.includes('no password is set') ||
    message.includes('without any password configured for the default user') ||
    message.includes("wrong number of arguments for 'auth' command")
  );
}

/** Whether a sentinel's reply to SENTINEL GET-MASTER-ADDR-BY-NAME says it knows no primary by that name. */
export function isUnknownPrimaryReply(message: string): boolean {
  return /no such master with that name/i.test(message);
}

/** No seed node of a cluster gave its slot map: why, node by node. */
export function clusterUnusable(endpoint: string, failures: readonly NodeFailure[]): ConnectionError {
  const plain = failures.filter((f) => f.kind === 'not-cluster').map((f) => f.node);
  if (plain.length > 0 && plain.length === failures.length) {
    const which = plain.join(', ');
    return new ConnectionError(
      endpoint,
      `${which} ${plain.length === 1 ? 'is not a cluster node' : 'are not cluster nodes'} (cluster_enabled:0): connect without cluster mode (a URL or host, not \`cluster\`), or give the address of a node of the Redis Cluster`,
    );
  }
  return new ConnectionError(endpoint, `no seed node answered: ${list(failures)}`);
}

/** No sentinel said where the primary is: why, sentinel by sentinel. */
export function sentinelsUnusable(
  endpoint: string,
  primaryName: string,
  failures: readonly NodeFailure[],
): ConnectionError {
  const unknown = failures.filter((f) => f.kind === 'unknown-primary');
  if (unknown.length > 0 && unknown.length === failures.length) {
    return new ConnectionError(
      endpoint,
      `the sentinels do not know a primary named "${primaryName}" (asked ${unknown.map((f) => f.node).join(', ')}): \`primaryName\` must be the name of a "sentinel monitor <name> ..." line of their configuration`,
    );
  }
  return new ConnectionError(endpoint, `no sentinel said where the primary "${primaryName}" is: ${list(failures)}`);
}

function list(failures: readonly NodeFailure[]): string {
  if (failures.length === 0) return 'no node could be asked';
  return failures.map((f) => `${f.node} (${describe(f)})`).join(', ');
}

function describe(failure: NodeFailure): string {
  if (failure.kind === 'not-cluster') return 'not a cluster node: cluster_enabled:0';
  if (failure.kind === 'unknown-primary') return 'does not know the primary';
  if (/unknown command .?sentinel/i.test(failure.reason)) {
    return `${failure.reason}: not a sentinel but a Redis server; give the sentinels' addresses (port 26379 by default)`;
  }
  return failure.reason;
}

/** Whether a reply refused the SELECT of a connection's db. */
export function isSelectRefused(message: string): boolean {
  return /DB index|'select'|SELECT is not allowed/i.test(message);
}

/**
 * A db the server does not have: a cluster node has db 0 only (the fix is to leave the db out, or to
 * connect in cluster mode); another server has the "databases" setting as its bound.
 */
export function noDatabase(endpoint: string, db: number, reply: string): ConfigError {
  if (/not allowed in cluster mode/i.test(reply)) {
    return new ConfigError(
      `Redis at ${endpoint} is a Redis Cluster node, which has database 0 only, not ${db} (${reply}): leave the db out, and give the nodes as a cluster, RedisInstance({ cluster: [...] })`,
    );
  }
  return new ConfigError(
    `Redis at ${endpoint} has no database ${db} (${reply}); use a db index below the server's "databases" setting`,
  );
}

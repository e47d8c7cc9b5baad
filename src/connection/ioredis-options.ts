/**
 * The ioredis settings of the connections the library opens, and where they go (for messages).
 *
 * Connection settings the library relies on:
 * - RESP2 (`protocol: 2`): measured faster than RESP3 for large XREADGROUP replies, and the reply
 *   shapes are the same either way;
 * - reconnects with exponential backoff and jitter, capped at 1 s, so consumption resumes within
 *   about a second of the server coming back;
 * - `maxRetriesPerRequest: 0`: a command in flight when the link drops fails at once, so the loop
 *   knows, re-reads its own pending entries and resumes. (With the default, ioredis silently
 *   re-sends it after reconnecting; a re-sent XADD or script could run twice.)
 */
import type { ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { backoffDelay } from './backoff.js';
import type { ConnectionKind, ReadGroup } from './port.js';

/** Reconnect delays: 50 ms doubling to 1 s, with jitter. */
export function reconnectDelay(attempt: number): number {
  return backoffDelay(attempt, 50, 1000);
}

/**
 * The shared connection presumes its socket dead after this long without any reply while it waits
 * for one. Long, because ioredis' timer cannot tell a hung socket from an event loop that was
 * blocked (a reply that already arrived would be discarded); read connections have the library's
 * own watchdog instead, which can.
 */
const COMMAND_SOCKET_TIMEOUT_MS = 60_000;

/**
 * Options forced on every connection the library opens, whatever a template client had set.
 * - `maxRetriesPerRequest: 0`: a command in flight when the link drops fails at once instead of
 *   being re-sent after the reconnect; a re-sent XADD, publish or dead-letter script could run
 *   twice. The library retries what is safe to retry itself.
 * - `socketTimeout` (shared connection only): a connection that waits for a reply and receives
 *   nothing for a minute is cut and re-opened.
 * - no key prefix, offline queue on, no resend of unanswered commands after a reconnect, no command
 *   timeouts (they would cut blocking reads).
 */
export function ownOptions(label: string, connection: ConnectionKind): Partial<RedisOptions> {
  return {
    lazyConnect: true,
    protocol: 2,
    connectionName: `redis-streamer:${label}`.replace(/\s/g, '_'),
    disableClientInfo: true, // CLIENT SETINFO: Redis 7.2+ only, one less right to grant
    retryStrategy: reconnectDelay,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: false,
    enableOfflineQueue: true,
    autoResendUnfulfilledCommands: false,
    keyPrefix: '',
    readOnly: false,
    commandTimeout: undefined,
    blockingTimeout: undefined,
    socketTimeout: connection.kind === 'blocking' ? undefined : COMMAND_SOCKET_TIMEOUT_MS,
  };
}

/** ioredis options for one server, without the RESP3-only `replyMapping` (RESP2 is forced). */
export type ServerOptions = Omit<RedisOptions, 'replyMapping'>;

/**
 * How long a sentinel may take to say where the primary is before the next one is asked. Without a
 * limit, a sentinel that accepts connections but answers nothing (a stopped process, a paused VM)
 * holds every reconnect that asks it forever, with the commands queued behind it (measured: no read
 * and no publish settled for 50 s, until that sentinel ran again).
 */
const SENTINEL_COMMAND_TIMEOUT_MS = 1000;

/**
 * The options of a connection to one server: the user's (from a URL, options or a template client)
 * with the library's forced on top. With `sentinels`, ioredis asks them in turn for the primary on
 * every (re)connect: a crashed primary drops the connections, which then find the new one.
 * A planned failover (SENTINEL FAILOVER) does not fence the old primary: it goes on accepting
 * writes until the sentinels demote it and cut its clients (4 hello periods after they see it still
 * claim to be primary: seconds), and what it accepted after its replica was promoted is discarded
 * when it resyncs. Only the server can refuse those writes (`min-replicas-to-write 1`); see
 * test/scale-out/sentinel.test.ts, which measures both. A connection that still reaches a demoted
 * primary gets READONLY and reconnects (the command is not re-sent: it fails, and is reported).
 * ioredis' failover detector is left off: it would only narrow that window (to the +switch-master
 * message, about a second after the promotion) and its subscriber connections to the sentinels
 * outlive `quit()`.
 */
export function serverOptions(base: RedisOptions, label: string, connection: ConnectionKind): ServerOptions {
  const { replyMapping: _unused, ...rest } = { ...base, ...ownOptions(label, connection) };
  if (rest.sentinels === undefined) return rest;
  return {
    ...rest,
    role: 'master',
    sentinelRetryStrategy: reconnectDelay,
    sentinelCommandTimeout: SENTINEL_COMMAND_TIMEOUT_MS,
    reconnectOnError: (err: Error) => err.message.startsWith('READONLY'),
  };
}

/** ioredis Cluster options, without the RESP3-only `replyMapping`. */
export type ClusterClientOptions = Omit<ClusterOptions, 'redisOptions'> & {
  redisOptions: Omit<NonNullable<ClusterOptions['redisOptions']>, 'replyMapping'>;
};

/**
 * The options of a cluster client. Its node connections get the library's settings; the cluster
 * waits out a failover or a slot moving (MOVED, ASK, TRYAGAIN, CLUSTERDOWN are retried after
 * 300 ms, up to 16 redirections) instead of failing the command at once, and reconnects with the
 * library's backoff.
 */
export function clusterOptions(base: ClusterOptions, label: string, connection: ConnectionKind): ClusterClientOptions {
  const {
    retryStrategy: _retry,
    enableOfflineQueue: _queue,
    readOnly: _readOnly,
    replyMapping: _mapping,
    ...node
  } = { ...base.redisOptions, ...ownOptions(label, connection) };
  const { redisOptions: _redis, ...rest } = base;
  return {
    ...rest,
    redisOptions: node,
    lazyConnect: true,
    enableOfflineQueue: true,
    enableReadyCheck: true,
    enableAutoPipelining: false,
    scaleReads: 'master',
    clusterRetryStrategy: reconnectDelay,
    // A node whose connection drops is let go (not retried): ioredis then reads the slot map
    // again and routes to whoever owns the slots now (a promoted replica). The map is also read
    // every 2 s, so a move is noticed even when no command is redirected.
    slotsRefreshInterval: 2000,
    retryDelayOnFailover: 300,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 100,
    maxRedirections: 16,
    slotsRefreshTimeout: 2000,
  };
}

/** Where a connection goes and as whom, for messages (never with the password). */
export interface Endpoint {
  /** `host:port`. */
  readonly endpoint: string;
  /** The ACL user (`default` when none is given). */
  readonly user: string;
  /** The database index. */
  readonly db: number;
  /** The ACL user logging in to the sentinels, when the server is found through them. */
  readonly sentinelUser?: string;
  /** The name the sentinels know the primary by, when the server is found through them. */
  readonly primaryName?: string;
  /** Whether its connections use TLS. */
  readonly tls?: boolean;
}

/** The endpoint described by ioredis options. */
export function endpointOf(options: RedisOptions): Endpoint {
  const sentinels = options.sentinels;
  const host =
    sentinels !== undefined && sentinels !== null
      ? `primary "${options.name ?? ''}" via sentinels ${sentinels.map((s) => `${hostPart(s.host ?? '127.0.0.1')}:${s.port ?? 26379}`).join(',')}`
      : (options.path ?? `${hostPart(options.host ?? '127.0.0.1')}:${options.port ?? 6379}`);
  return {
    endpoint: host,
    user: options.username ?? 'default',
    db: options.db ?? 0,
    tls: options.tls !== undefined && options.tls !== null,
    ...(sentinels !== undefined && sentinels !== null
      ? { sentinelUser: options.sentinelUsername || 'default', primaryName: options.name ?? '' }
      : {}),
  };
}

/** The endpoint of a cluster: its startup nodes. */
export function clusterEndpointOf(
  nodes: ReadonlyArray<{ host: string; port: number }>,
  user: string | undefined,
  tls = false,
): Endpoint {
  return {
    endpoint: `cluster ${nodes.map((n) => `${hostPart(n.host)}:${n.port}`).join(',')}`,
    user: user ?? 'default',
    db: 0,
    tls,
  };
}

function hostPart(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The arguments of `XREADGROUP` for one read. */
export function readGroupArgs(read: ReadGroup): Array<string | number> {
  const args: Array<string | number> = ['GROUP', read.group, read.consumer, 'COUNT', read.count];
  if (read.noAck) args.push('NOACK');
  args.push('STREAMS', read.key, '>');
  return args;
}

/** Fails the commands ioredis keeps for a reconnect that will not come (it does not, on disconnect). */
export function failQueued(client: Redis, error: Error): void {
  const internal = client as unknown as { flushQueue?: (err: Error) => void };
  if (typeof internal.flushQueue === 'function') internal.flushQueue(error);
}

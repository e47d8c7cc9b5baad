/**
 * Small patches on the ioredis clients the library owns (never on ioredis itself, nor on a client
 * the user passed as a template), for two things ioredis does not offer:
 *
 * - **No console output.** ioredis prints some warnings with `console.warn` (a password given to a
 *   server whose default user needs none; a ready check whose INFO the ACL refuses), bypassing the
 *   library's logger and `silentLogger`. The client's `auth` and `info` are wrapped so those
 *   replies are handled before ioredis sees them (as ioredis would go on: without the AUTH, or
 *   without the ready check) and the text goes to `warn`, which the port reports as a `warning`
 *   event. This covers the connection itself, each node of a cluster and the connections ioredis
 *   opens on its own: a cluster's slot-map refreshers (`duplicate()`) and the sentinels it asks.
 * - **Why a round of attempts failed, node by node.** A cluster whose seeds give no slot map, or
 *   sentinels that do not say where the primary is, are reported by ioredis as one error per round
 *   ("Failed to refresh slots cache", "All sentinels are unreachable") whose detail is "Connection
 *   is closed."; the socket errors of the connections ioredis opened for the round are kept here,
 *   per node, so the error can say what happened to each (see diagnosis.ts).
 */
import type { Cluster, Redis } from 'ioredis';
import { isClusterDisabledReply, isLoginNotNeededReply, isUnknownPrimaryReply, type NodeFailure } from './diagnosis.js';

/** Where the text of a warning ioredis would have printed goes. */
export type Warn = (message: string) => void;

/** The failures of one round of attempts, per node (`host:port`). */
export class RoundFailures {
  private readonly failures = new Map<string, NodeFailure>();
  private readonly socketErrors = new Map<string, string>();

  /** The error of a connection ioredis opened to `node` (the real cause behind "Connection is closed."). */
  socketError(node: string, message: string): void {
    this.socketErrors.set(node, message);
  }

  /** `node` failed: could not be reached, or refused the command with `reason`. */
  failed(node: string, reason: string): void {
    const failure: NodeFailure = isClusterDisabledReply(reason)
      ? { node, kind: 'not-cluster' }
      : isUnknownPrimaryReply(reason)
        ? { node, kind: 'unknown-primary' }
        : { node, kind: 'failed', reason: this.socketErrors.get(node) ?? reason };
    this.failures.set(node, failure);
  }

  /** The sentinel `node` answered, but knows no primary by that name. */
  unknownPrimary(node: string): void {
    this.failures.set(node, { node, kind: 'unknown-primary' });
  }

  /** The round's failures, forgetting them (the next round starts empty). */
  take(): NodeFailure[] {
    const failures = [...this.failures.values()];
    this.failures.clear();
    this.socketErrors.clear();
    return failures;
  }
}

/** Routes the console warnings of one ioredis connection to `warn`; `who` names its server in them. */
export function quiet(client: Redis, warn: Warn, who = 'Redis'): void {
  const auth = client.auth.bind(client) as (...args: unknown[]) => Promise<unknown>;
  const wrappedAuth = (...args: unknown[]): Promise<unknown> =>
    auth(...args).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      if (!isLoginNotNeededReply(message)) throw err;
      warn(`${who} did not take the login (${message}): connected without it`);
      return 'OK';
    });
  client.auth = wrappedAuth as unknown as Redis['auth'];
  const info = client.info.bind(client) as (...args: unknown[]) => Promise<unknown>;
  const wrappedInfo = (...args: unknown[]): Promise<unknown> => {
    const last = args.at(-1);
    if (typeof last !== 'function') return info(...args);
    // Only ioredis' ready check calls INFO with a callback.
    const done = last as (err: unknown, reply?: unknown) => void;
    const reply = info(...args.slice(0, -1));
    reply.then(
      (value) => done(null, value),
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        if (!message.includes('NOPERM')) return done(err);
        warn(
          `the ready check's INFO was refused (${message}): connected without waiting for a server loading its data`,
        );
        done(null, '');
      },
    );
    return reply;
  };
  client.info = wrappedInfo as unknown as Redis['info'];
}

/** `host:port` of an ioredis connection, as ioredis names cluster nodes. */
function nodeKey(client: Redis): string {
  return `${client.options.host ?? '127.0.0.1'}:${client.options.port ?? 6379}`;
}

/**
 * ioredis' `disconnect()` of a connection that has already ended (its socket closed: a refused or
 * dropped one-off connection) arms a 2 s timer to destroy that socket, which nothing clears; it is
 * skipped, so no timer outlives the connection.
 */
function skipEnded(client: Redis): void {
  const disconnect = client.disconnect.bind(client);
  client.disconnect = (reconnect?: boolean): void => {
    if (client.status === 'end' && reconnect !== true) return;
    disconnect(reconnect);
  };
}

/** Cuts an ioredis connection's socket at once (its `disconnect()` leaves a 2 s timer to do so). */
function cut(client: Redis): void {
  type Socketed = { stream?: { destroy(): void } };
  const { stream, connector } = client as unknown as Socketed & { connector?: Socketed };
  // (The connector's socket: the client's own is set only once the connection is made.)
  (connector?.stream ?? stream)?.destroy();
}

/**
 * Quiets every node of a cluster and its slot-map refreshers, and keeps each refresh's failures.
 * Returns what to call once the cluster client is closed: a refresher still open (a refresh in
 * flight) is cut then, and one that finishes later is cut as it ends, so neither its socket nor
 * ioredis' 2 s timer to destroy it outlives the close.
 */
export function watchCluster(cluster: Cluster, round: RoundFailures, warn: Warn): () => void {
  const refreshers = new Set<Redis>();
  let closed = false;
  const watchNode = (node: Redis): void => {
    quiet(node, warn);
    const duplicate = node.duplicate.bind(node) as (...args: unknown[]) => Redis;
    const wrapped = (...args: unknown[]): Redis => {
      const copy = duplicate(...args);
      quiet(copy, warn);
      skipEnded(copy);
      copy.on('error', (err: Error) => round.socketError(nodeKey(node), err.message));
      refreshers.add(copy);
      copy.once('end', () => refreshers.delete(copy));
      const disconnect = copy.disconnect.bind(copy);
      copy.disconnect = (reconnect?: boolean): void => {
        disconnect(reconnect);
        if (closed) cut(copy);
      };
      return copy;
    };
    node.duplicate = wrapped;
  };
  for (const node of cluster.nodes()) watchNode(node);
  // Every node the cluster creates (its pool also creates some without a '+node' event: a node
  // recreated after a stale MOVED).
  type Pool = { createRedisFromOptions?: (...args: unknown[]) => Redis };
  const pool = (cluster as unknown as { connectionPool?: Pool }).connectionPool;
  const create = pool?.createRedisFromOptions;
  if (pool !== undefined && typeof create === 'function') {
    pool.createRedisFromOptions = (...args: unknown[]): Redis => {
      const node = create.apply(pool, args);
      watchNode(node);
      return node;
    };
  } else {
    cluster.on('+node', watchNode);
  }
  cluster.on('node error', (err: unknown, key: unknown) => {
    if (typeof key === 'string') round.failed(key, err instanceof Error ? err.message : String(err));
  });
  return () => {
    closed = true;
    for (const copy of refreshers) cut(copy);
  };
}

/** ioredis' messages about one sentinel in a round of asking. */
const SENTINEL_FAILED = /^failed to connect to sentinel (\S+) because (.*)$/s;
const SENTINEL_UNKNOWN = /^connected to sentinel (\S+) successfully, but got an invalid reply: null$/;

type SentinelConnector = {
  connectToSentinel?: (endpoint: { host?: string; port?: number }, ...rest: unknown[]) => Redis;
};

/** Quiets the connections to the sentinels and keeps what each said in a round of asking. */
export function watchSentinels(client: Redis, round: RoundFailures, warn: Warn): void {
  const connector = (client as unknown as { connector?: SentinelConnector }).connector;
  const connect = connector?.connectToSentinel;
  if (connector === undefined || typeof connect !== 'function') return;
  connector.connectToSentinel = (endpoint, ...rest) => {
    const sentinel = connect.call(connector, endpoint, ...rest);
    const node = `${endpoint.host ?? '127.0.0.1'}:${endpoint.port ?? 26379}`;
    quiet(sentinel, warn, `sentinel ${node}`);
    skipEnded(sentinel);
    sentinel.on('error', (err: Error) => round.socketError(node, err.message));
    return sentinel;
  };
  client.on('sentinelError', (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    const unknown = SENTINEL_UNKNOWN.exec(message);
    if (unknown !== null) return round.unknownPrimary(unknown[1] as string);
    const failed = SENTINEL_FAILED.exec(message);
    if (failed !== null) round.failed(failed[1] as string, failed[2] as string);
  });
}

/**
 * The settings of the node-redis connections the library opens: where they go, how they log in,
 * and what the library forces on each of them, whatever a template client had set.
 *
 * - RESP2: the replies of XREADGROUP and XRANGE are then arrays of the shapes replies.ts checks
 *   (the same as ioredis'), with no map to walk, and it was measured as fast as RESP3 for them.
 * - No reconnect by node-redis itself (the connection reconnects with the library's backoff, see
 *   node-redis-connection.ts), no command timeouts (they would cut blocking reads), no key prefix,
 *   no CLIENT SETINFO (Redis 7.2+ only, one less right to grant), no maintenance notifications
 *   (RESP3 only).
 * - The connection's name: `redis-streamer:<label>`, as with ioredis.
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { ConnectionKind } from './port.js';
import type { NodeRedisClientOptions } from './node-redis-library.js';
import type { Where } from './node-redis-errors.js';

/**
 * The shared connection presumes its socket dead after this long without any reply while it waits
 * for one (read connections have the library's own watchdog instead).
 */
const COMMAND_SOCKET_TIMEOUT_MS = 60_000;

/** A node's address. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/** How to log in (to a server, a cluster's nodes, or the sentinels). */
export interface Login {
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly tls: TlsOptions | undefined;
}

/** Where Redis is and how to reach it, as {@link RedisInstance} resolves its options. */
export interface NodeRedisSettings extends Login {
  readonly topology:
    | { readonly kind: 'server'; readonly host: string; readonly port: number }
    | { readonly kind: 'cluster'; readonly nodes: readonly Address[] }
    | {
        readonly kind: 'sentinel';
        readonly sentinels: readonly Address[];
        readonly primaryName: string;
        readonly sentinelUsername: string | undefined;
        readonly sentinelPassword: string | undefined;
      };
  readonly db: number;
  readonly connectTimeoutMs: number;
  /**
   * The options of a node-redis client given as a template, under the library's own (its socket
   * options, TLS included, and its credentials provider are kept).
   */
  readonly base?: Readonly<Record<string, unknown>>;
}

/**
 * The connection name, as Redis accepts it: printable ASCII without spaces (`_` for anything else,
 * from a channel name's spaces, control characters or accents). node-redis fails the connection
 * when CLIENT SETNAME is refused (ioredis ignores it), so a channel named `a\x1b[2J` must not make
 * its connection impossible.
 */
export function connectionName(label: string): string {
  return `redis-streamer:${label}`.replace(/[^\x21-\x7e]/g, '_');
}

/** How long a connection may wait for a reply with no data arriving before it is cut. */
export function replyTimeoutOf(connection: ConnectionKind): number | undefined {
  return connection.kind === 'blocking' ? undefined : COMMAND_SOCKET_TIMEOUT_MS;
}

/**
 * The options of one node-redis client to `address`. A user name without a password logs in as no
 * one (as with ioredis: the default user).
 */
export function clientOptions(
  address: Address,
  login: Login,
  extra: { readonly db?: number; readonly name?: string; readonly connectTimeoutMs: number },
  base: Readonly<Record<string, unknown>> = {},
): NodeRedisClientOptions {
  const baseSocket = base['socket'];
  const socket: Record<string, unknown> = {
    ...(baseSocket !== null && typeof baseSocket === 'object' ? baseSocket : {}),
    host: address.host,
    port: address.port,
    connectTimeout: extra.connectTimeoutMs,
    reconnectStrategy: false,
  };
  if (login.tls !== undefined) Object.assign(socket, login.tls, { tls: true });
  const hasPassword = login.password !== undefined && login.password !== '';
  return {
    ...base,
    socket,
    ...(hasPassword && login.username !== undefined && login.username !== '' ? { username: login.username } : {}),
    ...(hasPassword ? { password: login.password } : {}),
    ...(extra.db !== undefined && extra.db !== 0 ? { database: extra.db } : {}),
    ...(extra.name === undefined ? {} : { name: extra.name }),
    RESP: 2,
    disableClientInfo: true,
    maintNotifications: 'disabled',
    commandOptions: { timeout: undefined },
  };
}

/** `host:port`, with brackets around an IPv6 address. */
export function addressText(address: Address): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

/** Where a connection of these settings goes and as whom, for messages (never with the password). */
export function whereOf(settings: NodeRedisSettings): Where & { readonly sentinelUser?: string } {
  const t = settings.topology;
  const user = settings.username ?? 'default';
  const tls = settings.tls !== undefined;
  if (t.kind === 'server') return { endpoint: addressText(t), user, db: settings.db, tls };
  if (t.kind === 'cluster') return { endpoint: `cluster ${t.nodes.map(addressText).join(',')}`, user, db: 0, tls };
  return {
    endpoint: `primary "${t.primaryName}" via sentinels ${t.sentinels.map(addressText).join(',')}`,
    user,
    db: settings.db,
    tls,
    sentinelUser: t.sentinelUsername || 'default',
  };
}

/**
 * RedisInstance: where Redis is (one server, a Redis Cluster, or a primary watched by Sentinel) and
 * how to log in (user, password, TLS). It opens no connection itself; the streamer asks it for
 * connections and owns them. Its string form never shows a password.
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { RedisOptions } from 'ioredis';
import { ConfigError } from '../errors.js';
import { checkConnectionOptions } from '../resolve-options.js';
import type { RedisConnectionOptions } from './connection-options.js';
import { defaultClient } from './client-choice.js';
import { IoredisPort } from './ioredis-adapter.js';
import { clusterOptions, serverOptions } from './ioredis-options.js';
import { openNodeRedisPort } from './node-redis-ports.js';
import type { ConnectionKind, RedisPort } from './port.js';
import { parseNode, parseUrl, type NodeAddress, type UrlSettings } from './redis-url.js';

type Topology =
  | { readonly kind: 'server'; readonly host: string; readonly port: number }
  | { readonly kind: 'cluster'; readonly nodes: readonly NodeAddress[] }
  | {
      readonly kind: 'sentinel';
      readonly sentinels: readonly NodeAddress[];
      readonly primaryName: string;
      readonly sentinelUsername: string | undefined;
      readonly sentinelPassword: string | undefined;
    };

interface Resolved {
  readonly topology: Topology;
  readonly db: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly tls: TlsOptions | undefined;
  readonly connectTimeoutMs: number;
  readonly client: 'ioredis' | 'node-redis';
}

/** Connection settings for Redis, from a URL, a list of cluster node URLs, or options. */
export class RedisInstance {
  /** (An ES private field: no inspection, even with `customInspect: false`, reaches the password.) */
  readonly #settings: Resolved;

  /**
   * @param urlOrOptions a `redis://`/`rediss://` URL, a list of such URLs (the nodes of a Redis
   *   Cluster), or {@link RedisConnectionOptions}.
   */
  constructor(urlOrOptions: string | readonly string[] | RedisConnectionOptions = {}) {
    const options = checkConnectionOptions(
      Array.isArray(urlOrOptions) ? { cluster: urlOrOptions } : (urlOrOptions as string | RedisConnectionOptions),
    );
    const fromUrl = options.url === undefined ? {} : parseUrl(options.url);
    refuseTwice(options, fromUrl);
    const clusterNodes = (options.cluster ?? []).map((n, i) => parseNode(n, `cluster[${i}]`));
    const firstNode: UrlSettings = clusterNodes[0] ?? {};
    const tls = options.tls ?? fromUrl.tls ?? firstNode.tls ?? false;
    const settings: Resolved = {
      topology: topologyOf(options, fromUrl, clusterNodes),
      db: options.db ?? fromUrl.db ?? firstNode.db ?? 0,
      username: options.username ?? fromUrl.username ?? firstNode.username,
      password: options.password ?? fromUrl.password ?? firstNode.password,
      tls: tls === false ? undefined : tls === true ? {} : tls,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      client: options.client ?? defaultClient(),
    };
    check(settings);
    this.#settings = settings;
  }

  /** What kind of deployment: one server, a cluster, or a primary found through Sentinel. */
  get kind(): 'server' | 'cluster' | 'sentinel' {
    return this.#settings.topology.kind;
  }

  /** The host (the first node of a cluster, the first sentinel). */
  get host(): string {
    const t = this.#settings.topology;
    return t.kind === 'server' ? t.host : ((t.kind === 'cluster' ? t.nodes[0] : t.sentinels[0])?.host ?? '');
  }

  /** The port (the first node of a cluster, the first sentinel). */
  get port(): number {
    const t = this.#settings.topology;
    return t.kind === 'server' ? t.port : ((t.kind === 'cluster' ? t.nodes[0] : t.sentinels[0])?.port ?? 0);
  }

  /** The database index. */
  get db(): number {
    return this.#settings.db;
  }

  /** How long a connection may take (ms); a call waits at most this long for one that is not ready. */
  get connectTimeoutMs(): number {
    return this.#settings.connectTimeoutMs;
  }

  /** A URL-like description with the password masked: `redis://user:***@host:6379/0`. */
  toString(): string {
    const { topology: t, db, username, password, tls } = this.#settings;
    const auth =
      username !== undefined || password !== undefined
        ? `${username === undefined ? '' : encodeURIComponent(username)}${password === undefined ? '' : ':***'}@`
        : '';
    const scheme = tls === undefined ? 'redis' : 'rediss';
    if (t.kind === 'server') return `${scheme}://${auth}${address(t)}/${db}`;
    if (t.kind === 'cluster') return `${scheme}+cluster://${auth}${t.nodes.map(address).join(',')}`;
    return `${scheme}+sentinel://${auth}${t.sentinels.map(address).join(',')}/${t.primaryName}/${db}`;
  }

  /** Same as {@link toString}, so logging the instance never leaks the password. */
  toJSON(): string {
    return this.toString();
  }

  /** Node's util.inspect shows the masked form too. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `RedisInstance <${this.toString()}>`;
  }

  /** @internal ioredis options for these settings (for one server or Sentinel; on a cluster, each node's). */
  ioredisOptions(): RedisOptions {
    const { topology: t, db, username, password, tls, connectTimeoutMs } = this.#settings;
    const options: RedisOptions = { db, connectTimeout: connectTimeoutMs };
    if (t.kind === 'server') Object.assign(options, { host: t.host, port: t.port });
    if (t.kind === 'sentinel') {
      Object.assign(options, { sentinels: t.sentinels.map((s) => ({ ...s })), name: t.primaryName });
      if (t.sentinelUsername !== undefined) options.sentinelUsername = t.sentinelUsername;
      if (t.sentinelPassword !== undefined) options.sentinelPassword = t.sentinelPassword;
      if (tls !== undefined) Object.assign(options, { sentinelTLS: tls, enableTLSForSentinelMode: true });
    }
    if (username !== undefined) options.username = username;
    if (password !== undefined) options.password = password;
    if (tls !== undefined) options.tls = tls;
    return options;
  }

  /** @internal Opens a connection owned by the caller. */
  createPort(label: string, connection: ConnectionKind): RedisPort {
    if (this.#settings.client === 'node-redis') return openNodeRedisPort(this.#settings, label, connection);
    const t = this.#settings.topology;
    if (t.kind !== 'cluster') return IoredisPort.server(serverOptions(this.ioredisOptions(), label, connection), label);
    const { db: _db, ...node } = this.ioredisOptions();
    return IoredisPort.cluster(t.nodes, clusterOptions({ redisOptions: node }, label, connection), label);
  }
}

function topologyOf(
  options: RedisConnectionOptions,
  fromUrl: { host?: string; port?: number },
  clusterNodes: readonly NodeAddress[],
): Topology {
  const { cluster, sentinels } = options;
  if (cluster !== undefined && sentinels !== undefined) {
    throw new ConfigError('give `cluster` or `sentinels`, not both: a Redis Cluster is not watched by Sentinel');
  }
  if (cluster !== undefined) {
    if (clusterNodes.length === 0) throw new ConfigError('`cluster` needs at least one node');
    return { kind: 'cluster', nodes: clusterNodes.map(({ host, port }) => ({ host, port })) };
  }
  if (sentinels !== undefined) {
    if (sentinels.length === 0) throw new ConfigError('`sentinels` needs at least one sentinel');
    if (options.primaryName === undefined) {
      throw new ConfigError('`sentinels` needs `primaryName`: the name the sentinels monitor the primary by');
    }
    return {
      kind: 'sentinel',
      sentinels: sentinels.map((s, i) => {
        const { host, port } = parseNode(s, `sentinels[${i}]`);
        return { host, port };
      }),
      primaryName: options.primaryName,
      sentinelUsername: options.sentinelUsername,
      sentinelPassword: options.sentinelPassword,
    };
  }
  return {
    kind: 'server',
    host: options.host ?? fromUrl.host ?? '127.0.0.1',
    port: options.port ?? fromUrl.port ?? 6379,
  };
}

/** The options that a URL also gives, with the URL part each stands for. */
const URL_PARTS = { host: 'host', port: 'port', db: 'path (/db)', username: 'user', password: 'password' } as const;

/**
 * A setting given both in the URL and as an option: which one was meant cannot be known, so it is
 * refused (the option used to win silently). `tls: false` with a `rediss://` URL likewise.
 */
function refuseTwice(options: RedisConnectionOptions, fromUrl: UrlSettings): void {
  for (const [key, part] of Object.entries(URL_PARTS) as Array<[keyof typeof URL_PARTS, string]>) {
    if (options[key] === undefined || fromUrl[key] === undefined) continue;
    throw new ConfigError(
      `\`${key}\` is given twice: in \`url\` (its ${part}) and as the option \`${key}\`; give it in one place only`,
    );
  }
  if (options.tls === false && fromUrl.tls === true) {
    throw new ConfigError(
      '`tls: false` contradicts the rediss:// `url` (TLS): use a redis:// URL, or drop `tls: false`',
    );
  }
}

function check(settings: Resolved): void {
  const { topology: t, db, connectTimeoutMs } = settings;
  if (t.kind === 'server' && (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535)) {
    throw new ConfigError(`invalid Redis port: ${t.port}`);
  }
  if (!Number.isInteger(db) || db < 0) throw new ConfigError(`invalid Redis db: ${db}`);
  if (t.kind === 'cluster' && db !== 0) {
    throw new ConfigError(`a Redis Cluster has only database 0; db ${db} cannot be used`);
  }
  if (!(connectTimeoutMs > 0)) throw new ConfigError(`connectTimeoutMs must be > 0, got ${connectTimeoutMs}`);
}

function address(node: NodeAddress): string {
  return `${node.host.includes(':') ? `[${node.host}]` : node.host}:${node.port}`;
}

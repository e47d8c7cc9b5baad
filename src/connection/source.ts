/**
 * Where the streamer gets its connections from: a {@link RedisInstance}, a URL, or an ioredis
 * client used only as a template (its options are copied into new connections the library owns;
 * the client itself is never used nor closed by this library).
 */
import { Cluster, type Redis } from 'ioredis';
import { ConfigError } from '../errors.js';
import { IoredisPort } from './ioredis-adapter.js';
import { clusterEndpointOf, clusterOptions, endpointOf, serverOptions, type Endpoint } from './ioredis-options.js';
import { nodeRedisSource, type NodeRedisTemplate } from './node-redis-source.js';
import type { ConnectionKind, RedisPort } from './port.js';
import { RedisInstance } from './redis-instance.js';
import { parseNode } from './redis-url.js';
import type { Transport } from './transport.js';

/**
 * An ioredis client (`Redis` or `Cluster`) given as a template: the library copies its options into
 * connections of its own and never uses nor closes the client. Described by its shape, so the
 * library's public types do not pull in ioredis's declarations (whose correctness under a strict
 * `skipLibCheck: false` build is ioredis's, not the user's, concern).
 */
export interface IoredisTemplate {
  /** The client's options (`RedisOptions`, or `ClusterOptions` on a cluster client). */
  readonly options: object;
  /** ioredis' `duplicate()`, by which a client is told apart from other objects. */
  duplicate(...args: never[]): unknown;
}

/**
 * What `new RedisStreamer(redis, ...)` accepts: a {@link RedisInstance}, a URL, a list of cluster
 * node URLs, or an ioredis client (`Redis`, or `Cluster`) or a node-redis client (`createClient()`,
 * `createCluster()`) used as a template.
 */
export type RedisSource = RedisInstance | string | readonly string[] | IoredisTemplate | NodeRedisTemplate;

/** Opens a new connection owned by the caller. */
export type PortFactory = (label: string, connection: ConnectionKind) => RedisPort;

/** What {@link portFactory} makes of a source: a transport on the system clock, with its connect timeout. */
export type PortSource = Transport & {
  /** How long a call waits for a connection that is not ready (ms): see ready-gate.ts. */
  readonly connectTimeoutMs: number;
};

/** ioredis' own default connect timeout, for a template client that sets none. */
const IOREDIS_CONNECT_TIMEOUT_MS = 10_000;

/** Turns any {@link RedisSource} into a connection factory, plus a safe description for logs. */
export function portFactory(source: RedisSource): PortSource {
  if (typeof source === 'string' || Array.isArray(source)) source = new RedisInstance(source as string | string[]);
  if (source instanceof RedisInstance) {
    const instance = source;
    return {
      open: (label, kind) => instance.createPort(label, kind),
      describe: instance.toString(),
      cluster: instance.kind === 'cluster',
      sentinel: instance.kind === 'sentinel',
      connectTimeoutMs: instance.connectTimeoutMs,
    };
  }
  const nodeRedis = nodeRedisSource(source);
  if (nodeRedis !== undefined) return nodeRedis;
  if (source instanceof Cluster) {
    const template = source as Cluster;
    refusePrefix(template.options.keyPrefix ?? template.options.redisOptions?.keyPrefix);
    const startup = (template as unknown as { startupNodes: unknown[] }).startupNodes;
    const nodes = startup.map((n, i) => {
      const { host, port } = parseNode(typeof n === 'number' ? `127.0.0.1:${n}` : n, `startup node ${i}`);
      return { host, port };
    });
    return {
      open: (label, kind) => IoredisPort.cluster(nodes, clusterOptions(template.options, label, kind), label),
      describe: describeTemplate('cluster', clusterEndpointOf(nodes, template.options.redisOptions?.username)),
      cluster: true,
      sentinel: false,
      connectTimeoutMs: template.options.redisOptions?.connectTimeout ?? IOREDIS_CONNECT_TIMEOUT_MS,
    };
  }
  if (
    source !== null &&
    typeof source === 'object' &&
    'duplicate' in source &&
    typeof source.duplicate === 'function'
  ) {
    const template = source as unknown as Redis;
    refusePrefix(template.options.keyPrefix);
    return {
      open: (label, kind) => IoredisPort.server(serverOptions(template.options, label, kind), label),
      describe: describeTemplate('client', endpointOf(template.options)),
      cluster: false,
      sentinel: Array.isArray(template.options.sentinels) && template.options.sentinels.length > 0,
      connectTimeoutMs: template.options.connectTimeout ?? IOREDIS_CONNECT_TIMEOUT_MS,
    };
  }
  throw new ConfigError('redis must be a RedisInstance, a redis:// URL, an ioredis client or a node-redis client');
}

/** A template's safe description: where it goes and as whom, never its password. */
function describeTemplate(kind: 'client' | 'cluster', where: Endpoint): string {
  return `ioredis ${kind} template for ${where.endpoint} as ${where.user}`;
}

function refusePrefix(prefix: string | undefined): void {
  if (typeof prefix !== 'string' || prefix === '') return;
  throw new ConfigError(
    `the ioredis client given as a template has keyPrefix "${prefix}": the library cannot use it, since channel names are shared with other services (dtpyfw's included) and Lua scripts do not apply a prefix. Put the prefix in the channel names instead, or pass a client without keyPrefix`,
  );
}

/**
 * Where the streamer gets its connections from: a {@link RedisInstance}, a URL, or an ioredis
 * client used only as a template (its options are copied into new connections the library owns;
 * the client itself is never used nor closed by this library).
 */
import { Cluster, type Redis } from 'ioredis';
import { ConfigError } from '../errors.js';
import { IoredisPort } from './ioredis-adapter.js';
import { clusterOptions, serverOptions } from './ioredis-options.js';
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
 * node URLs, or an ioredis client (`Redis`, or `Cluster`) used as a template.
 */
export type RedisSource = RedisInstance | string | readonly string[] | IoredisTemplate;

/** Opens a new connection owned by the caller. */
export type PortFactory = (label: string, connection: ConnectionKind) => RedisPort;

/** What {@link portFactory} makes of a source: a transport on the system clock. */
export type PortSource = Transport;

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
    };
  }
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
      describe: 'ioredis cluster client',
      cluster: true,
      sentinel: false,
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
      describe: 'ioredis client',
      cluster: false,
      sentinel: Array.isArray(template.options.sentinels) && template.options.sentinels.length > 0,
    };
  }
  throw new ConfigError('redis must be a RedisInstance, a redis:// URL or an ioredis client');
}

function refusePrefix(prefix: string | undefined): void {
  if (typeof prefix !== 'string' || prefix === '') return;
  throw new ConfigError(
    `the ioredis client given as a template has keyPrefix "${prefix}": the library cannot use it, since channel names are shared with other services (dtpyfw's included) and Lua scripts do not apply a prefix. Put the prefix in the channel names instead, or pass a client without keyPrefix`,
  );
}

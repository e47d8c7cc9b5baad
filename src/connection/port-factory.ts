/**
 * Turns a {@link RedisSource} (a {@link RedisInstance}, a URL, an ioredis or node-redis client used
 * as a template) into a factory of connections the library owns.
 */
import type { Cluster, Redis } from 'ioredis';
import { ConfigError } from '../errors.js';
import { describe } from '../validate.js';
import { IoredisPort } from './ioredis-adapter.js';
import { ioredisIfInstalled } from './ioredis-library.js';
import { clusterEndpointOf, clusterOptions, endpointOf, serverOptions, type Endpoint } from './ioredis-options.js';
import { nodeRedisSource } from './node-redis-source.js';
import { RedisInstance } from './redis-instance.js';
import type { RedisSource } from './redis-source.js';
import { parseNode } from './redis-url.js';
import type { PortSource } from './source.js';

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
  const ClusterClass = ioredisIfInstalled()?.Cluster;
  if (ClusterClass !== undefined && source instanceof ClusterClass) {
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
  const hint = source === undefined ? ' (an environment variable that is not set?)' : '';
  throw new ConfigError(
    `redis must be a redis:// URL, a RedisInstance, a node-redis or ioredis client, or a Transport; got ${describe(source)}${hint}`,
  );
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

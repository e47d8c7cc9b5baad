/**
 * Opening a node-redis port for a place Redis is: one server, a primary found through Sentinel, or
 * a Redis Cluster (node-redis-cluster.ts).
 */
import type { NodeRedisClientOptions } from './node-redis-library.js';
import { NodeRedisPort } from './node-redis-adapter.js';
import { clusterLink } from './node-redis-cluster.js';
import { NodeRedisConnection, type ConnectionSettings, type Target } from './node-redis-connection.js';
import { serverLink } from './node-redis-link.js';
import {
  clientOptions,
  connectionName,
  replyTimeoutOf,
  whereOf,
  type Address,
  type NodeRedisSettings,
} from './node-redis-options.js';
import { sentinelTarget } from './node-redis-sentinel.js';
import type { ConnectionKind, RedisPort } from './port.js';

/** Opens a node-redis port owned by the caller. */
export function openNodeRedisPort(settings: NodeRedisSettings, label: string, connection: ConnectionKind): RedisPort {
  const where = whereOf(settings);
  const t = settings.topology;
  const name = connectionName(label);
  const primaryOptions = (address: Address): NodeRedisClientOptions =>
    clientOptions(
      address,
      settings,
      { db: settings.db, name, connectTimeoutMs: settings.connectTimeoutMs },
      settings.base,
    );
  if (t.kind === 'cluster') {
    return new NodeRedisPort(
      label,
      where.endpoint,
      (listener) =>
        clusterLink(
          t.nodes,
          {
            label,
            where,
            nodeOptions: (address) =>
              clientOptions(address, settings, { name, connectTimeoutMs: settings.connectTimeoutMs }),
            connectTimeoutMs: settings.connectTimeoutMs,
            replyTimeoutMs: replyTimeoutOf(connection),
          },
          listener,
        ),
      where.tls,
    );
  }
  const target: Target =
    t.kind === 'server'
      ? { resolve: () => Promise.resolve(primaryOptions(t)) }
      : sentinelTarget({
          sentinels: t.sentinels,
          primaryName: t.primaryName,
          sentinelLogin: { username: t.sentinelUsername, password: t.sentinelPassword, tls: settings.tls },
          endpoint: where.endpoint,
          primaryOptions,
        });
  const connectionSettings: ConnectionSettings = {
    label,
    where,
    target,
    connectTimeoutMs: settings.connectTimeoutMs,
    replyTimeoutMs: replyTimeoutOf(connection),
  };
  return new NodeRedisPort(
    label,
    where.endpoint,
    (listener) => serverLink(new NodeRedisConnection(connectionSettings, listener)),
    where.tls,
  );
}

/**
 * What `new RedisStreamer(redis, ...)` and `new Inspector(redis)` accept as their Redis: a
 * {@link RedisInstance}, a URL, or a client used only as a template (its options are copied into new
 * connections the library owns; the client itself is never used nor closed by this library).
 * Types only: port-factory.ts turns a source into connections.
 */
import type { NodeRedisTemplate } from './node-redis-source.js';
import type { RedisInstance } from './redis-instance.js';

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

/**
 * Where the streamer gets its connections from: a {@link RedisInstance}, a URL, or an ioredis
 * client used only as a template (its options are copied into new connections the library owns;
 * the client itself is never used nor closed by this library).
 */
import type { Redis } from 'ioredis';
import { ConfigError } from '../errors.js';
import { IoredisPort } from './ioredis-adapter.js';
import type { ConnectionKind } from './port.js';
import type { RedisPort } from './port.js';
import { RedisInstance } from './redis-instance.js';

/** What `new RedisStreamer(redis, ...)` accepts. */
export type RedisSource = RedisInstance | string | Redis;

/** Opens a new connection owned by the caller. */
export type PortFactory = (label: string, connection: ConnectionKind) => RedisPort;

/** Turns any {@link RedisSource} into a connection factory, plus a safe description for logs. */
export function portFactory(source: RedisSource): { open: PortFactory; describe: string } {
  if (typeof source === 'string') source = new RedisInstance(source);
  if (source instanceof RedisInstance) {
    const instance = source;
    return { open: (label, kind) => instance.createPort(label, kind), describe: instance.toString() };
  }
  if (source !== null && typeof source === 'object' && typeof source.duplicate === 'function') {
    const template = source;
    const prefix = template.options.keyPrefix;
    if (typeof prefix === 'string' && prefix !== '') {
      throw new ConfigError(
        `the ioredis client given as a template has keyPrefix "${prefix}": the library cannot use it, since channel names are shared with other services (dtpyfw's included) and Lua scripts do not apply a prefix. Put the prefix in the channel names instead, or pass a client without keyPrefix`,
      );
    }
    return { open: (label, kind) => IoredisPort.fromTemplate(template, label, kind), describe: 'ioredis client' };
  }
  throw new ConfigError('redis must be a RedisInstance, a redis:// URL or an ioredis client');
}

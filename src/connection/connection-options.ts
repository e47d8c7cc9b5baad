/**
 * The options of `new RedisInstance(options)`: where Redis is and how to log in. Types only (the
 * checks are in option-specs.ts, the resolution in redis-instance.ts).
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { NodeAddress } from './redis-url.js';

/** How to reach Redis. */
export interface RedisConnectionOptions {
  /**
   * A `redis://` or `rediss://` (TLS) URL: `redis://[user[:password]@]host[:port][/db]`. A setting
   * is given once: in the URL or as the option below (`host`, `port`, `db`, `username`,
   * `password`), never both (a ConfigError names the two). `tls` options complete a `rediss://` URL
   * (a CA, a client certificate); `tls: false` contradicts it.
   * @default undefined
   */
  readonly url?: string;
  /**
   * Host name or IP address.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * TCP port.
   * @default 6379
   */
  readonly port?: number;
  /**
   * Database index (0 on a cluster, which has no other).
   * @default 0
   */
  readonly db?: number;
  /**
   * ACL user name (Redis 6+).
   * @default undefined (the default user)
   */
  readonly username?: string;
  /**
   * Password.
   * @default undefined
   */
  readonly password?: string;
  /**
   * TLS: `true` for defaults, or Node's TLS options (`ca`, `cert`, `key`, `servername`,
   * `rejectUnauthorized`...). On a cluster they apply to every node.
   * @default false (true for a rediss:// URL)
   */
  readonly tls?: boolean | TlsOptions;
  /**
   * How long to wait for a connection before failing it, in ms.
   * @default 10000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Redis Cluster: a few of its nodes (`host:port`, `redis://` URLs or `{ host, port }`); the others
   * are discovered. `username`, `password` and `tls` apply to every node.
   * @default undefined (not a cluster)
   */
  readonly cluster?: ReadonlyArray<string | NodeAddress>;
  /**
   * Sentinel: the sentinels to ask where the primary named `primaryName` is. Connections follow a
   * failover to the new primary.
   * @default undefined (no Sentinel)
   */
  readonly sentinels?: ReadonlyArray<string | NodeAddress>;
  /**
   * The name the sentinels know the primary by (`sentinel monitor <name> ...`).
   * @default undefined (required with `sentinels`)
   */
  readonly primaryName?: string;
  /**
   * ACL user at the sentinels, when they require a login.
   * @default undefined
   */
  readonly sentinelUsername?: string;
  /**
   * Password at the sentinels.
   * @default undefined
   */
  readonly sentinelPassword?: string;
  /**
   * The client library of the connections the library opens: `'node-redis'` (`@redis/client`, a
   * dependency of this package), or `'ioredis'` (which must then be installed beside this one:
   * `npm install ioredis`).
   * @default 'node-redis'
   */
  readonly client?: 'ioredis' | 'node-redis';
}

/**
 * Where Redis is, from the command line: `--url` (or `REDIS_URL`, default
 * `redis://127.0.0.1:6379`), several `--url` or `--cluster` for a Redis Cluster, `--sentinel` with
 * `--primary-name` for Sentinel (sentinels that require a login read it from
 * `REDIS_SENTINEL_USERNAME` and `REDIS_SENTINEL_PASSWORD`: a password on the command line would show in
 * the process list), and TLS files (a `rediss://` URL turns TLS on by itself). The result is a
 * {@link RedisInstance}, whose description never shows a password.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { RedisConnectionOptions } from '../connection/connection-options.js';
import { RedisInstance } from '../connection/redis-instance.js';
import { clientOf } from './client.js';
import { DEFAULT_URL, type ConnectionFlags } from './flags.js';
import { UsageError } from './errors.js';

/** The URLs given: `--url`s, else `REDIS_URL`, else the default. */
export function urlsOf(flags: ConnectionFlags, env: NodeJS.ProcessEnv): string[] {
  if (flags.url !== undefined && flags.url.length > 0) return [...flags.url];
  const fromEnv = env['REDIS_URL'];
  return [fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_URL];
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UsageError(`cannot read the ${flag} file ${file}: ${code}`);
  }
}

/** TLS options from the files given, or undefined when no TLS option was given. */
export function tlsOf(flags: ConnectionFlags): TlsOptions | undefined {
  const tls: TlsOptions = {};
  if (flags.tlsCa !== undefined) tls.ca = readPem(flags.tlsCa, '--tls-ca');
  if (flags.tlsCert !== undefined) tls.cert = readPem(flags.tlsCert, '--tls-cert');
  if (flags.tlsKey !== undefined) tls.key = readPem(flags.tlsKey, '--tls-key');
  if (flags.tlsServername !== undefined) tls.servername = flags.tlsServername;
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together: give both or neither');
  }
  return Object.keys(tls).length === 0 ? undefined : tls;
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

/** The {@link RedisInstance} the flags describe (a ConfigError, exit 2, when they make no sense). */
export function redisOf(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): RedisInstance {
  const urls = urlsOf(flags, env);
  const tls = tlsOf(flags);
  const client = clientOf(flags.client, env);
  const common: RedisConnectionOptions = {
    ...(tls === undefined ? {} : { tls }),
    ...(flags.connectTimeout === undefined ? {} : { connectTimeoutMs: flags.connectTimeout }),
    ...(client === undefined ? {} : { client }),
  };
  const sentinels = flags.sentinel ?? [];
  if (sentinels.length > 0) {
    if (flags.cluster === true) throw new UsageError('--sentinel and --cluster do not go together');
    if (urls.length > 1) throw new UsageError('with --sentinel, give at most one --url (for the login and db)');
    const primaryName = flags.primaryName;
    if (primaryName === undefined) throw new UsageError('--sentinel needs --primary-name');
    const login = {
      ...(nonEmpty(env['REDIS_SENTINEL_USERNAME']) ? { sentinelUsername: env['REDIS_SENTINEL_USERNAME'] } : {}),
      ...(nonEmpty(env['REDIS_SENTINEL_PASSWORD']) ? { sentinelPassword: env['REDIS_SENTINEL_PASSWORD'] } : {}),
    };
    return new RedisInstance({ ...common, ...login, url: urls[0] as string, sentinels, primaryName });
  }
  if (flags.primaryName !== undefined) throw new UsageError('--primary-name goes with --sentinel');
  if (flags.cluster === true || urls.length > 1) return new RedisInstance({ ...common, cluster: urls });
  return new RedisInstance({ ...common, url: urls[0] as string });
}

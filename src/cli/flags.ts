/**
 * The command line's global flags, shared by the commands' context (context.ts) and the Redis
 * location they describe (connection.ts). Types and the default URL only.
 */
import type { RedisClientName } from '../connection/client-choice.js';

/** The default Redis when neither `--url` nor `REDIS_URL` is given. */
export const DEFAULT_URL = 'redis://127.0.0.1:6379';

/** The options every command takes (declared once, on the program). */
export interface GlobalFlags extends ConnectionFlags {
  /** `--json`: results as JSON on stdout. */
  readonly json?: boolean;
  /** `--verbose`: errors with their stack, the library's warnings on stderr. */
  readonly verbose?: boolean;
}

/** The connection options of the command line. */
export interface ConnectionFlags {
  /** `--url`, repeatable: several are the nodes of a Redis Cluster. */
  readonly url?: readonly string[];
  /** `--cluster`: the URL(s) are nodes of a Redis Cluster. */
  readonly cluster?: boolean;
  /** `--sentinel host:port`, repeatable. */
  readonly sentinel?: readonly string[];
  /** `--primary-name`: the name the sentinels know the primary by. */
  readonly primaryName?: string;
  /** `--tls-ca <file>`: PEM file of the CA that signed the server's certificate. */
  readonly tlsCa?: string;
  /** `--tls-cert <file>`: PEM client certificate. */
  readonly tlsCert?: string;
  /** `--tls-key <file>`: PEM key of the client certificate. */
  readonly tlsKey?: string;
  /** `--tls-servername <name>`: the name to check the server's certificate against (SNI). */
  readonly tlsServername?: string;
  /** `--connect-timeout` in ms. */
  readonly connectTimeout?: number;
  /** `--client`: the Redis client library (else REDIS_STREAMER_CLIENT, else node-redis). */
  readonly client?: RedisClientName;
}

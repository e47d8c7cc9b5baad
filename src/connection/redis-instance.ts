/**
 * RedisInstance: where Redis is and how to log in. It opens no connection itself; the streamer asks
 * it for connections and owns them. Its string form never shows the password.
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { RedisOptions } from 'ioredis';
import { ConfigError } from '../errors.js';
import { checkConnectionOptions } from '../options.js';
import { IoredisPort } from './ioredis-adapter.js';
import type { ConnectionKind } from './port.js';
import type { RedisPort } from './port.js';

/** How to reach Redis when no URL is given. */
export interface RedisConnectionOptions {
  /**
   * A `redis://` or `rediss://` (TLS) URL: `redis://[user[:password]@]host[:port][/db]`. When set,
   * it gives the defaults for the fields below, which override it.
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
   * Database index.
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
   * TLS: `true` for defaults, or Node's TLS options (ca, cert, key, servername...).
   * @default false (true for a rediss:// URL)
   */
  readonly tls?: boolean | TlsOptions;
  /**
   * How long to wait for a connection before failing it, in ms.
   * @default 10000
   */
  readonly connectTimeoutMs?: number;
}

interface Resolved {
  host: string;
  port: number;
  db: number;
  username: string | undefined;
  password: string | undefined;
  tls: TlsOptions | undefined;
  connectTimeoutMs: number;
}

/** Connection settings for Redis, from a URL or from options. */
export class RedisInstance {
  private readonly settings: Resolved;

  /** @param urlOrOptions a `redis://`/`rediss://` URL, or {@link RedisConnectionOptions}. */
  constructor(urlOrOptions: string | RedisConnectionOptions = {}) {
    const options = checkConnectionOptions(urlOrOptions);
    const fromUrl = options.url === undefined ? {} : parseUrl(options.url);
    const tls = options.tls ?? fromUrl.tls ?? false;
    this.settings = {
      host: options.host ?? fromUrl.host ?? '127.0.0.1',
      port: options.port ?? fromUrl.port ?? 6379,
      db: options.db ?? fromUrl.db ?? 0,
      username: options.username ?? fromUrl.username,
      password: options.password ?? fromUrl.password,
      tls: tls === false ? undefined : tls === true ? {} : tls,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    };
    const { port, db, connectTimeoutMs } = this.settings;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`invalid Redis port: ${port}`);
    if (!Number.isInteger(db) || db < 0) throw new ConfigError(`invalid Redis db: ${db}`);
    if (!(connectTimeoutMs > 0)) throw new ConfigError(`connectTimeoutMs must be > 0, got ${connectTimeoutMs}`);
  }

  /** The host. */
  get host(): string {
    return this.settings.host;
  }

  /** The port. */
  get port(): number {
    return this.settings.port;
  }

  /** The database index. */
  get db(): number {
    return this.settings.db;
  }

  /** The URL with the password masked: `redis://user:***@host:6379/0`. */
  toString(): string {
    const { host, port, db, username, password, tls } = this.settings;
    const auth =
      username !== undefined || password !== undefined
        ? `${username === undefined ? '' : encodeURIComponent(username)}${password === undefined ? '' : ':***'}@`
        : '';
    const hostPart = host.includes(':') ? `[${host}]` : host;
    return `${tls === undefined ? 'redis' : 'rediss'}://${auth}${hostPart}:${port}/${db}`;
  }

  /** Same as {@link toString}, so logging the instance never leaks the password. */
  toJSON(): string {
    return this.toString();
  }

  /** Node's util.inspect shows the masked form too. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `RedisInstance <${this.toString()}>`;
  }

  /** ioredis options for these settings. */
  ioredisOptions(): RedisOptions {
    const { host, port, db, username, password, tls, connectTimeoutMs } = this.settings;
    const options: RedisOptions = { host, port, db, connectTimeout: connectTimeoutMs };
    if (username !== undefined) options.username = username;
    if (password !== undefined) options.password = password;
    if (tls !== undefined) options.tls = tls;
    return options;
  }

  /** @internal Opens a connection owned by the caller. */
  createPort(label: string, connection: ConnectionKind): RedisPort {
    return IoredisPort.fromOptions(this.ioredisOptions(), label, connection);
  }
}

function parseUrl(url: string): Partial<Resolved> & { tls?: boolean } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`invalid Redis URL (expected redis://host:port/db): ${maskUrl(url)}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError(`Redis URL must start with redis:// or rediss://, got ${parsed.protocol}//`);
  }
  const out: Partial<Resolved> & { tls?: boolean } = {};
  if (parsed.hostname !== '') out.host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (parsed.port !== '') out.port = Number(parsed.port);
  const dbText = parsed.pathname.replace(/^\//, '');
  if (dbText !== '') {
    if (!/^\d+$/.test(dbText)) throw new ConfigError(`invalid db in Redis URL: "${dbText}"`);
    out.db = Number(dbText);
  }
  if (parsed.username !== '') out.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') out.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === 'rediss:') out.tls = true;
  return out;
}

/** Hides the password of a URL that may not even parse: everything between the user and the last '@'. */
function maskUrl(url: string): string {
  return url.replace(/^([^:/]*:\/\/[^:@/]*):.*@/, '$1:***@');
}

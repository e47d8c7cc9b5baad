/**
 * Reading `redis://` and `rediss://` URLs, and node addresses (`host:port`, a URL, or
 * `{ host, port }`), into connection settings. A URL that does not parse is reported without its
 * password.
 */
import { ConfigError } from '../errors.js';

/** What a URL gives. */
export interface UrlSettings {
  host?: string;
  port?: number;
  db?: number;
  username?: string;
  password?: string;
  /** Set by `rediss://`. */
  tls?: boolean;
}

/** A node's address. */
export interface NodeAddress {
  /** Host name or IP address. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
}

/** Parses `redis://[user[:password]@]host[:port][/db]` (or `rediss://`: TLS). */
export function parseUrl(url: string): UrlSettings {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`invalid Redis URL (expected redis://host:port/db): ${maskUrl(url)}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    // `localhost:6379` parses as the scheme `localhost:`: a host and port without a scheme.
    if (/^[A-Za-z0-9.-]+:\d+(\/\d+)?$/.test(url)) {
      throw new ConfigError(`Redis URL must start with redis:// or rediss://: write redis://${url}, not ${url}`);
    }
    throw new ConfigError(`Redis URL must start with redis:// or rediss://, got ${parsed.protocol}//`);
  }
  const out: UrlSettings = {};
  if (parsed.hostname !== '') out.host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (parsed.port !== '') out.port = Number(parsed.port);
  const dbText = parsed.pathname.replace(/^\//, '');
  if (dbText !== '') {
    if (!/^\d+$/.test(dbText)) throw new ConfigError(`invalid db in Redis URL: "${dbText}"`);
    out.db = Number(dbText);
  }
  if (parsed.username !== '') out.username = decoded(parsed.username, 'user name', url);
  if (parsed.password !== '') out.password = decoded(parsed.password, 'password', url);
  if (parsed.protocol === 'rediss:') out.tls = true;
  return out;
}

/**
 * A percent-encoded part of a URL, decoded. A malformed escape (`%ZZ`, a lone `%`) is a ConfigError
 * that shows the URL with its password masked, never the part itself.
 */
function decoded(part: string, what: 'user name' | 'password', url: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ConfigError(
      `the ${what} in the Redis URL ${maskUrl(url)} has a malformed percent-escape: write a literal "%" as %25 (and any other reserved character percent-encoded)`,
    );
  }
}

/**
 * A node given as `host:port`, a URL or `{ host, port }`. URL parts beyond the address (user,
 * password, TLS) are returned too, so a list of URLs can carry the login.
 */
export function parseNode(node: unknown, what: string): NodeAddress & UrlSettings {
  if (typeof node === 'string') {
    if (/^rediss?:\/\//.test(node)) {
      const url = parseUrl(node);
      return { ...url, host: url.host ?? '127.0.0.1', port: url.port ?? 6379 };
    }
    const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(node);
    if (match !== null) return { host: match[1] as string, port: checkPort(Number(match[2]), what) };
  } else if (node !== null && typeof node === 'object') {
    const { host, port } = node as { host?: unknown; port?: unknown };
    if (typeof host === 'string' && host !== '' && typeof port === 'number')
      return { host, port: checkPort(port, what) };
  }
  throw new ConfigError(`${what} must be "host:port", a redis:// URL or { host, port }, got ${describeNode(node)}`);
}

function checkPort(port: number, what: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`${what}: invalid port ${port}`);
  return port;
}

function describeNode(node: unknown): string {
  return typeof node === 'string' ? JSON.stringify(maskUrl(node)) : typeof node;
}

/** Hides the password of a URL that may not even parse: everything between the user and the last '@'. */
export function maskUrl(url: string): string {
  return url.replace(/^([^:/]*:\/\/[^:@/]*):.*@/, '$1:***@');
}

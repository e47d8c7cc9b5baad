/**
 * A node-redis client given as a template (`createClient()` or `createCluster()` of the `redis`
 * package): the library copies its options into connections of its own and never uses nor closes
 * it. Told apart from an ioredis client by its shape (`isOpen` and the camel-case `sSubscribe` are
 * node-redis's), so the public types name no client library.
 */
import { ConfigError } from '../errors.js';
import { openNodeRedisPort } from './node-redis-ports.js';
import type { Address, NodeRedisSettings } from './node-redis-options.js';
import { parseNode } from './redis-url.js';
import type { PortSource } from './source.js';

/**
 * A node-redis client (`RedisClient` or `RedisCluster`) given as a template, described by its shape
 * so the library's public types do not pull in node-redis's declarations.
 */
export interface NodeRedisTemplate {
  /** Whether the client is open, by which (with `sSubscribe`) a node-redis client is told apart. */
  readonly isOpen: boolean;
  /** node-redis' `sSubscribe()`. */
  sSubscribe(...args: never[]): unknown;
  /** node-redis' `duplicate()`. */
  duplicate(...args: never[]): unknown;
}

type Options = Readonly<Record<string, unknown>>;

/** A connection's default timeout, as node-redis' (5 s) is shorter than the library's. */
const CONNECT_TIMEOUT_MS = 10_000;

/** The source of a node-redis template, or undefined when `source` is not a node-redis client. */
export function nodeRedisSource(source: unknown): PortSource | undefined {
  if (!isNodeRedisClient(source)) return undefined;
  const cluster = (source as { _options?: unknown })._options;
  if ('masters' in source && isObject(cluster)) return clusterSource(cluster);
  const options = (source as { options?: unknown }).options;
  if (!isObject(options)) {
    throw new ConfigError(
      'a node-redis Sentinel client cannot be used as a template (node-redis keeps its options private): pass new RedisInstance({ sentinels, primaryName, client: "node-redis" }) instead',
    );
  }
  const settings = serverSettings(options);
  return {
    open: (label, kind) => openNodeRedisPort(settings, label, kind),
    describe: 'node-redis client',
    cluster: false,
    sentinel: false,
    connectTimeoutMs: settings.connectTimeoutMs,
  };
}

function isNodeRedisClient(value: unknown): value is NodeRedisTemplate & object {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Partial<Record<string, unknown>>;
  return 'isOpen' in v && typeof v['sSubscribe'] === 'function' && typeof v['duplicate'] === 'function';
}

function isObject(value: unknown): value is Options {
  return value !== null && typeof value === 'object';
}

/** What the library takes of a client's options: its own settings replace the rest. */
function baseOf(options: Options): Options {
  refusePrefix(options['keyPrefix']);
  const {
    url: _url,
    keyPrefix: _prefix,
    clientSideCache: _cache,
    emitInvalidate: _invalidate,
    modules: _modules,
    functions: _functions,
    scripts: _scripts,
    pingInterval: _ping,
    RESP: _resp,
    commandOptions: _commandOptions,
    readonly: _readonly,
    himportRegistry: _himport,
    ...rest
  } = options;
  return rest;
}

function serverSettings(options: Options): NodeRedisSettings {
  const socket = isObject(options['socket']) ? options['socket'] : {};
  const host = typeof socket['host'] === 'string' ? socket['host'] : 'localhost';
  const port = typeof socket['port'] === 'number' ? socket['port'] : 6379;
  return {
    topology: { kind: 'server', host, port },
    ...loginOf(options),
    db: typeof options['database'] === 'number' ? options['database'] : 0,
    connectTimeoutMs: typeof socket['connectTimeout'] === 'number' ? socket['connectTimeout'] : CONNECT_TIMEOUT_MS,
    base: baseOf(options),
  };
}

function loginOf(options: Options): Pick<NodeRedisSettings, 'username' | 'password' | 'tls'> {
  return {
    username: typeof options['username'] === 'string' ? options['username'] : undefined,
    password: typeof options['password'] === 'string' ? options['password'] : undefined,
    tls: undefined, // a template's TLS settings are in its socket options, which are kept
  };
}

function clusterSource(cluster: Options): PortSource {
  const defaults = isObject(cluster['defaults']) ? cluster['defaults'] : {};
  const roots = Array.isArray(cluster['rootNodes']) ? (cluster['rootNodes'] as unknown[]) : [];
  const nodes = roots.map((node, i) => rootAddress(node, i));
  if (nodes.length === 0) throw new ConfigError('the node-redis cluster client given as a template has no rootNodes');
  refusePrefix(cluster['keyPrefix']);
  const socket = isObject(defaults['socket']) ? defaults['socket'] : {};
  const settings: NodeRedisSettings = {
    topology: { kind: 'cluster', nodes },
    ...loginOf(defaults),
    db: 0,
    connectTimeoutMs: typeof socket['connectTimeout'] === 'number' ? socket['connectTimeout'] : CONNECT_TIMEOUT_MS,
    base: baseOf(defaults),
  };
  return {
    open: (label, kind) => openNodeRedisPort(settings, label, kind),
    describe: 'node-redis cluster client',
    cluster: true,
    sentinel: false,
    connectTimeoutMs: settings.connectTimeoutMs,
  };
}

/** A root node: `{ url }` or `{ socket: { host, port } }`. */
function rootAddress(node: unknown, i: number): Address {
  if (isObject(node)) {
    if (typeof node['url'] === 'string') {
      const { host, port } = parseNode(node['url'], `rootNodes[${i}]`);
      return { host, port };
    }
    if (isObject(node['socket'])) {
      const { host, port } = parseNode(node['socket'], `rootNodes[${i}].socket`);
      return { host, port };
    }
  }
  throw new ConfigError(
    `rootNodes[${i}] of the node-redis cluster client must be { url } or { socket: { host, port } }`,
  );
}

function refusePrefix(prefix: unknown): void {
  if (typeof prefix !== 'string' || prefix === '') return;
  throw new ConfigError(
    `the node-redis client given as a template has keyPrefix "${prefix}": the library cannot use it, since channel names are shared with other services (dtpyfw's included) and Lua scripts do not apply a prefix. Put the prefix in the channel names instead, or pass a client without keyPrefix`,
  );
}

/**
 * node-redis (`@redis/client`, the client of the `redis` package), the default client: a
 * dependency of this package, loaded on first use, so importing the library (for the test kit, the
 * CLI's help, or the ioredis adapter) does not pay for loading it (about 125 ms of CPU).
 *
 * Only what the adapter uses is typed here, by its shape: the public declarations never reach
 * node-redis's own.
 */
import { createRequire } from 'node:module';
import { ConfigError } from '../errors.js';

/** The options of one node-redis client, as the adapter sets them. */
export interface NodeRedisClientOptions {
  readonly socket: Readonly<Record<string, unknown>>;
  readonly username?: string;
  readonly password?: string;
  readonly database?: number;
  readonly name?: string;
  readonly RESP: 2;
  readonly disableClientInfo: true;
  readonly maintNotifications: 'disabled';
  readonly commandOptions: { readonly timeout: undefined };
}

/** What a command may be sent with. */
export interface SendOptions {
  readonly abortSignal?: AbortSignal;
  readonly typeMapping?: Readonly<Record<number, unknown>>;
}

/** One node-redis client (a connection to one server). */
export interface NodeRedisClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(args: readonly string[], options?: SendOptions): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  /** @internal to node-redis: its command queue, whose decoder sees every chunk of reply data. */
  _getQueue?: () => { decoder?: { write?: (chunk: Buffer) => unknown } };
}

/** The exports of `@redis/client` the adapter uses. */
interface ClientModule {
  readonly RedisClient: new (options: NodeRedisClientOptions) => NodeRedisClient;
  readonly RESP_TYPES: { readonly BLOB_STRING: number };
  readonly ErrorReply: new (...args: never[]) => Error;
  readonly AbortError: new (...args: never[]) => Error;
  readonly ClientClosedError: new (...args: never[]) => Error;
  readonly ClientOfflineError: new (...args: never[]) => Error;
}

/** What the adapter uses of node-redis. */
export interface NodeRedisLibrary {
  /** A new client (not connected). */
  createClient(options: NodeRedisClientOptions): NodeRedisClient;
  readonly RESP_TYPES: { readonly BLOB_STRING: number };
  /** node-redis' error for an error reply of the server. */
  readonly ErrorReply: new (...args: never[]) => Error;
  /** Rejects a command removed from the queue by an abort, before it was written. */
  readonly AbortError: new (...args: never[]) => Error;
  /** Rejects a command given to a closed client (never queued). */
  readonly ClientClosedError: new (...args: never[]) => Error;
  /** Rejects a command given to a client that is offline with no queue (never queued). */
  readonly ClientOfflineError: new (...args: never[]) => Error;
}

let loaded: NodeRedisLibrary | undefined;

/** The node-redis library; a {@link ConfigError} saying how to install it when it is missing. */
export function nodeRedis(): NodeRedisLibrary {
  loaded ??= load();
  return loaded;
}

/**
 * Each connection is a plain `RedisClient` (0.1 ms): the adapter sends every command with
 * `sendCommand`, so it needs none of the command methods that `createClient()` and
 * `RedisClient.factory()` attach to a class they build per configuration (about 60 ms of CPU on a
 * process's first connection, on top of loading the module).
 */
function load(): NodeRedisLibrary {
  const lib = loadModule();
  return {
    createClient: (options) => new lib.RedisClient(options),
    RESP_TYPES: lib.RESP_TYPES,
    ErrorReply: lib.ErrorReply,
    AbortError: lib.AbortError,
    ClientClosedError: lib.ClientClosedError,
    ClientOfflineError: lib.ClientOfflineError,
  };
}

function loadModule(): ClientModule {
  try {
    return createRequire(import.meta.url)('@redis/client') as ClientModule;
  } catch (err) {
    throw new ConfigError(
      `the node-redis client cannot be loaded (it is a dependency of redis-streamer: reinstall with \`npm install\`): ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    );
  }
}

/**
 * The narrow port between the library and a Redis client: only the commands the library uses, with
 * replies already normalised. The consume, delivery and maintenance code depends on this interface
 * alone, so a second client (node-redis, Valkey GLIDE) is one more adapter, not a rewrite.
 *
 * Every method rejects with the library's error classes only: {@link ConnectionError} (with
 * `sent` telling whether the command had reached the socket), {@link AuthError},
 * {@link RedisCommandError} (Redis refused it) or {@link ConfigError}.
 */
import type { RedisStreamerError } from '../errors.js';
import type { ConnectionStatus } from '../stats.js';

export type { ConnectionState, ConnectionStatus } from '../stats.js';

/** What a connection is for: commands (shared), or blocking reads (a connection of its own). */
export type ConnectionKind = { readonly kind: 'command' } | { readonly kind: 'blocking' };

/** A stream entry as Redis returns it: the id and the flat field/value list. */
export type RawEntry = readonly [id: string, fields: readonly string[]];

/** A Lua script with its SHA1, run with EVALSHA and loaded on NOSCRIPT. */
export interface LuaScript {
  /** A short name for errors and logs. */
  readonly name: string;
  /** The Lua source. */
  readonly lua: string;
  /** SHA1 of the source. */
  readonly sha: string;
  /** How many leading arguments are keys. */
  readonly numKeys: number;
  /**
   * It only reads: run with EVALSHA_RO, so a user with read-only key rights (`%R~`) may run it,
   * and a replica could.
   */
  readonly readOnly: boolean;
}

/** A wait that precedes a read: `XREAD COUNT 1 BLOCK blockMs STREAMS <key> afterId`. */
export interface WaitBeforeRead {
  /** Wait until the stream holds an entry above this id. */
  readonly afterId: string;
  /** At most this long (ms, never 0). */
  readonly blockMs: number;
}

/** One (non-blocking) `XREADGROUP GROUP <group> <consumer> COUNT <count> [NOACK] STREAMS <key> >`. */
export interface ReadGroup {
  readonly group: string;
  readonly consumer: string;
  readonly key: string;
  /** COUNT. */
  readonly count: number;
  /** NOACK: entries are not added to the pending list. */
  readonly noAck: boolean;
}

/** A script with its keys and arguments. */
export interface ScriptCall {
  readonly script: LuaScript;
  readonly keys: readonly string[];
  readonly args: ReadonlyArray<string | number>;
}

/** Connection lifecycle events an adapter reports. Errors are the library's classes, sanitized. */
export interface PortEvents {
  /** A connection-level error (the client reconnects by itself unless the state is `failed`). */
  error: (err: RedisStreamerError) => void;
  /** The client will try to reconnect after `delayMs`; `attempt` counts from 1; `cause` is why. */
  reconnecting: (delayMs: number, attempt: number, cause: RedisStreamerError | undefined) => void;
  /** The connection is (again) ready for commands. */
  ready: () => void;
}

/**
 * The commands the library needs from a Redis client: what a `Transport` opens. Public as the
 * extension point for other client libraries and for the test kit (`redis-streamer/testing`
 * implements it over an in-memory Redis); the library's own adapters implement it over ioredis.
 */
export interface RedisPort {
  /** A label for logs (`command`, `channel:orders`). */
  readonly label: string;
  /** `host:port`, for messages (never with credentials). */
  readonly endpoint: string;
  /** The connection's state and last error. */
  status(): ConnectionStatus;
  /**
   * Connects (if not yet) and checks the server answers (PING). Rejects with the reason when the
   * connection cannot be made: {@link AuthError}, {@link ConnectionError} or {@link ConfigError}.
   */
  connect(): Promise<void>;
  /** `performance.now()` when data last arrived on this connection (0 before any). */
  readonly lastDataAt: number;
  /** Closes gracefully (QUIT), falling back to a hard close. Idempotent. */
  close(): Promise<void>;
  /** Closes at once, failing in-flight commands. Idempotent. */
  destroy(): void;
  /** Subscribes to a lifecycle event. */
  on<E extends keyof PortEvents>(event: E, listener: PortEvents[E]): void;

  /** XADD key * field value... */
  xadd(key: string, fields: readonly string[]): Promise<string>;
  /** A non-blocking XREADGROUP of one stream; its entries (none when there is nothing new). */
  xreadgroup(read: ReadGroup): Promise<RawEntry[]>;
  /**
   * A script, XREADGROUP (never blocking) and another script, in one MULTI/EXEC, so the scripts see
   * the group exactly as it was before and after the read and no other client runs in between.
   * A script missing from the server's cache (NOSCRIPT: a SCRIPT FLUSH just before) did not run:
   * its result is null, and the read happened without it.
   */
  readBetweenScripts(
    read: ReadGroup,
    before: ScriptCall,
    after: ScriptCall,
  ): Promise<{ before: unknown; entries: RawEntry[]; after: unknown }>;
  /**
   * `XREAD COUNT 1 BLOCK` on `waitKey` (which consumes nothing), then a script, sent in one write:
   * Redis holds the script behind the wait until an entry arrives (or the block times out), then
   * runs it at once, so a new entry costs one round trip. `woke` says whether the wait saw an entry.
   */
  runScriptAfterWait(
    waitKey: string,
    wait: WaitBeforeRead,
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<{ result: unknown; woke: boolean }>;
  /**
   * `XREAD COUNT 1 [BLOCK blockMs] STREAMS <keys...> <afterIds...>` (which consumes nothing): waits
   * (with `blockMs`; else only looks) until one of the streams holds an entry above its id.
   * Resolves to the streams that do, each with the first such entry's id (none when the block timed
   * out or was ended by CLIENT UNBLOCK). On a cluster the keys must share a slot.
   */
  waitForEntries(
    keys: readonly string[],
    afterIds: readonly string[],
    blockMs: number | undefined,
  ): Promise<Array<[key: string, id: string]>>;
  /**
   * A script, then `WAIT replicas timeoutMs` on the same connection (and the same node of a
   * cluster), sent in one write: the script's reply and how many replicas acknowledged every write
   * made on this connection so far. WAIT blocks the connection: use one kept for such writes.
   * Rejects when the script's reply did not arrive (it was refused, or the connection dropped
   * first); once it arrived, resolves, with `waited` the number of replicas or the error WAIT failed
   * with (refused, or its connection dropped): the script's writes happened all the same.
   */
  runScriptThenWait(
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
    wait: { readonly replicas: number; readonly timeoutMs: number },
  ): Promise<{ result: unknown; waited: number | RedisStreamerError }>;
  /** XRANGE start end COUNT n. */
  xrange(key: string, start: string, end: string, count: number): Promise<RawEntry[]>;
  /** One entry's fields as raw bytes (to check encodings), or null when it no longer exists. */
  xrangeRawFields(key: string, id: string): Promise<Buffer[] | null>;
  /** XDEL; resolves to the number deleted. */
  xdel(key: string, ids: readonly string[]): Promise<number>;
  /** GET of a string key, null when missing. */
  getString(key: string): Promise<string | null>;
  /** The id of the last entry of a stream (XREVRANGE + - COUNT 1), null when empty. */
  xrevrangeLast(key: string): Promise<string | null>;
  /** Deletes a stream key (DEL, after XLEN); resolves to the number of entries it held. */
  deleteStream(key: string): Promise<number>;
  /** XLEN. */
  xlen(key: string): Promise<number>;
  /** XACK; resolves to the number acknowledged. */
  xack(key: string, group: string, ids: readonly string[]): Promise<number>;
  /** Runs a Lua script (EVALSHA, loading it on NOSCRIPT). */
  runScript(script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown>;
  /** Every key of a type (`stream`), with SCAN (on every primary of a cluster). */
  keysOfType(type: string): Promise<string[]>;
  /** CONFIG GET of one parameter; null when the server does not have it. */
  configGet(parameter: string): Promise<string | null>;
  /** The server's clock in ms (TIME). */
  time(): Promise<number>;
  /** CLIENT ID of this connection; undefined when its waits cannot be ended by CLIENT UNBLOCK (a cluster client). */
  clientId(): Promise<number | undefined>;
  /** CLIENT UNBLOCK id: wakes a blocked read as if it had timed out. */
  clientUnblock(id: number): Promise<boolean>;
}

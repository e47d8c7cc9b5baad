/**
 * The narrow port between the library and a Redis client: only the commands the library uses, with
 * replies already normalised. The consume, delivery and maintenance code depends on this interface
 * alone, so a second client (node-redis, Valkey GLIDE) is one more adapter, not a rewrite.
 *
 * Every method rejects with the library's error classes only: {@link ConnectionError} (with
 * `sent` telling whether the command had reached the socket), {@link AuthError},
 * {@link RedisCommandError} (Redis refused it) or {@link ConfigError}.
 *
 * ## What an adapter guarantees (a second adapter must meet each)
 *
 * **`sent`.** A {@link ConnectionError} with `sent: false` means the command certainly never
 * reached Redis: no byte of it was handed to a socket. It is decided from what happened to that
 * command, never from the connection's state when the call was made: a client that queues commands
 * while it reconnects (ioredis' offline queue) writes them once a connection is ready, so a command
 * issued while "reconnecting" may run. The adapter follows each command (ioredis: its `toWritable`
 * is called exactly when it is written) and reports `sent: true` for any command that was written
 * or that it cannot follow. Publishing relies on this: `PublishError.inDoubt` and
 * `PartialPublishError.notPublishedIndexes` are `sent` (test/faults/publish-storm.test.ts checks
 * them against the stream under a CLIENT KILL storm). A command that fails in a method made of
 * several commands (a transaction, a script then WAIT) is `sent: true` if any of them was written.
 *
 * **Connecting.** A command issued while no connection is ready may wait for one, but only while
 * the client is still trying: once a whole round of attempts has failed (the server refused or
 * timed out; every seed node of a cluster gave no slot map; every sentinel failed or did not know
 * the primary) the commands waiting for a connection fail (`sent: false`) with what each node said,
 * built with diagnosis.ts so every adapter words it the same ("127.0.0.1:6379 is not a cluster node
 * (cluster_enabled:0)", "no seed node answered: …", "the sentinels do not know a primary named
 * X"), and `connect()` rejects with it. The client may go on trying in the background. The same
 * error is the connection's `status().lastError` (reported through the `error` event), which is
 * what a caller is told when the connection is still not ready after the connect timeout: the layer
 * above bounds every wait for a connection by that timeout (ready-gate.ts), whatever the client
 * does, so an adapter need not arm a deadline of its own. A {@link ConfigError} among the
 * connection's errors (a database the server does not have) ends the connection for good: state
 * `failed`, every queued command fails, nothing more is sent.
 *
 * **Closing.** After `close()` or `destroy()` resolves, no command issued on the port is left
 * pending (each has settled, with a {@link ConnectionError} if it had not), and nothing of the
 * client is left behind: no socket, no timer, no reconnect scheduled, so a process exits by itself.
 *
 * **No console, no secret.** An adapter never writes to the console: what the client library would
 * print goes to the `warning` event (the owner logs it). Its errors carry no credential (the
 * client's failed command and its arguments, where AUTH leaves the password, are dropped), and its
 * `util.inspect` shows the label and endpoint only, never the client (whose options hold the
 * password).
 */
import type { RedisStreamerError } from '../errors.js';
import type { ConnectionStatus } from '../stats.js';

export type { ConnectionState, ConnectionStatus } from '../stats.js';

/** What a connection is for: commands (shared), or blocking reads (a connection of its own). */
export type ConnectionKind =
  | {
      /** Commands that never block: may share a connection. */
      readonly kind: 'command';
    }
  | {
      /** Blocking reads (`XREAD BLOCK`, `WAIT`): a connection of its own. */
      readonly kind: 'blocking';
    };

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
  /** GROUP: the consumer group. */
  readonly group: string;
  /** The consumer within the group. */
  readonly consumer: string;
  /** STREAMS: the stream key, read from `>` (new entries). */
  readonly key: string;
  /** COUNT. */
  readonly count: number;
  /** NOACK: entries are not added to the pending list. */
  readonly noAck: boolean;
}

/** A script with its keys and arguments. */
export interface ScriptCall {
  /** The script. */
  readonly script: LuaScript;
  /** Its KEYS. */
  readonly keys: readonly string[];
  /** Its ARGV. */
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
  /**
   * Something the client library would have printed on the console (a password the server does
   * not need, a refused ready check). An adapter never writes to the console: it reports here, and
   * the owner logs it through the library's logger.
   */
  warning: (message: string) => void;
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
  ): Promise<{
    /** The first script's reply (null on NOSCRIPT). */
    before: unknown;
    /** The entries read. */
    entries: RawEntry[];
    /** The second script's reply (null on NOSCRIPT). */
    after: unknown;
  }>;
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
  ): Promise<{
    /** The script's reply. */
    result: unknown;
    /** Whether the wait saw an entry (false: the block timed out). */
    woke: boolean;
  }>;
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
  ): Promise<{
    /** The script's reply. */
    result: unknown;
    /** How many replicas acknowledged, or the error WAIT failed with. */
    waited: number | RedisStreamerError;
  }>;
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

/**
 * The transport: how a streamer opens its connections, what it is connected to, and the clock its
 * delivery runs on. `new RedisStreamer(source, ...)` takes one directly, or builds one from a
 * `RedisSource` (a RedisInstance, a URL, an ioredis client as a template): see transport-of.ts. Types only.
 */
import type { Clock } from '../timers.js';
import type { ConnectionKind, RedisPort } from './port.js';

/**
 * How a streamer reaches its Redis: the extension point for another client library, and what the
 * test kit (`redis-streamer/testing`) plugs in to run the streamer on its in-memory Redis. Pass one
 * where a URL goes: `new RedisStreamer(transport, 'billing')`.
 *
 * Everything above the transport is the library's own (codec, validation, middleware, hooks,
 * delivery strategies, dead letters): a transport only carries the commands of {@link RedisPort}.
 */
export interface Transport {
  /**
   * Opens a new connection, owned and closed by the streamer. `label` names it in logs and stats
   * (`billing:command`, `billing:channel:orders`: the service, then what it is for); `kind` says
   * whether it will block (`XREAD BLOCK`, `WAIT`), in which case it must be a connection of its own.
   */
  open(label: string, kind: ConnectionKind): RedisPort;
  /** What it connects to, for logs: never with credentials. */
  readonly describe: string;
  /** Whether it is a Redis Cluster (every script and transaction then touches keys of one slot). */
  readonly cluster: boolean;
  /** Whether the primary is found through Sentinel (checked for fencing when consuming starts). */
  readonly sentinel: boolean;
  /**
   * The clock the streamer's retries, backoffs, sweeps, maintenance and watchdog run on.
   * @default the system clock (`Date.now()` and Node's timers)
   */
  readonly clock?: Clock;
  /**
   * How long a call waits for a connection that is not ready before it fails, in ms.
   * @default 10000
   */
  readonly connectTimeoutMs?: number;
}

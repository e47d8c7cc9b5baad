/**
 * The transport: how a streamer opens its connections, what it is connected to, and the clock its
 * delivery runs on. `new RedisStreamer(source, ...)` takes one directly, or builds one from a
 * {@link RedisSource} (a RedisInstance, a URL, an ioredis client as a template).
 */
import { ConfigError } from '../errors.js';
import type { Clock } from '../timers.js';
import type { ConnectionKind, RedisPort } from './port.js';
import { portFactory, type RedisSource } from './source.js';

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

/** Whether `value` is a {@link Transport} (an object with `open`, and not a client used as a template). */
function looksLikeTransport(value: unknown): value is Transport {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as { open?: unknown; duplicate?: unknown };
  return typeof v.open === 'function' && typeof v.duplicate !== 'function';
}

const isFunction = (v: unknown): boolean => typeof v === 'function';

/** Checks a transport given by the user; a wrong field is a ConfigError naming it. */
function checkTransport(t: Transport): Transport {
  const problem = (field: string, expected: string, got: unknown): ConfigError =>
    new ConfigError(`the transport's ${field} must be ${expected}, got ${got === null ? 'null' : typeof got}`);
  if (typeof t.describe !== 'string') throw problem('describe', 'a string (what it connects to, for logs)', t.describe);
  if (typeof t.cluster !== 'boolean') throw problem('cluster', 'a boolean', t.cluster);
  if (typeof t.sentinel !== 'boolean') throw problem('sentinel', 'a boolean', t.sentinel);
  const timeout = t.connectTimeoutMs as unknown;
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout))) {
    throw new ConfigError(
      `the transport's connectTimeoutMs must be a number of ms > 0, got ${typeof timeout === 'number' ? timeout : typeof timeout}`,
    );
  }
  const clock = t.clock as Partial<Clock> | null | undefined;
  if (clock !== undefined) {
    if (clock === null || typeof clock !== 'object' || !isFunction(clock.now) || !isFunction(clock.setTimer)) {
      throw new ConfigError("the transport's clock must be an object with now() and setTimer(delayMs, fire)");
    }
  }
  return t;
}

/** The transport of a streamer: the one given, checked, or one built from a {@link RedisSource}. */
export function transportOf(source: RedisSource | Transport): Transport {
  return looksLikeTransport(source) ? checkTransport(source) : portFactory(source);
}

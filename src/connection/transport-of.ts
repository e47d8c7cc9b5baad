/**
 * The transport of a streamer: the {@link Transport} given by the user, checked, or one built from a
 * {@link RedisSource} by port-factory.ts.
 */
import { ConfigError } from '../errors.js';
import type { Clock } from '../timers.js';
import { portFactory } from './port-factory.js';
import type { RedisSource } from './redis-source.js';
import type { Transport } from './transport.js';

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

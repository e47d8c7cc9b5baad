/** The options of {@link createTestBus}, with their defaults and checks. */
import type { RedisStreamerOptions } from '../index.js';
import { integer, oneOf, plainObject, timer } from '../rules.js';
import { checkOptions, type OptionsSpec } from '../validate.js';

/** Options of {@link createTestBus}. */
export interface TestBusOptions {
  /**
   * `'manual'`: time stands still until {@link TestBus.advance} or {@link TestBus.settled} moves
   * it, so retries and backoffs happen in a test without waiting, in the same order every run.
   * `'system'`: the real clock; the streamers' timers fire by themselves, as on Redis.
   * @default 'manual'
   */
  readonly time?: 'manual' | 'system';
  /**
   * Where the manual clock starts, in ms since the epoch (message ids are made from it).
   * @default the time the bus is created
   */
  readonly startAt?: number;
  /**
   * Options every streamer of the bus gets; a streamer's own options override them. The bus's own
   * defaults differ from a streamer's in two: nothing is logged (recovered-from errors are kept in
   * {@link TestBus.errors}, warnings in {@link TestBus.warnings}), and `cleanup()` (so `bus.close()`)
   * waits 1 s, not 30, for handlers still running: in a test, one that runs that long is stuck.
   * @default { logger: silentLogger, shutdownTimeoutMs: 1000 }
   */
  readonly defaults?: RedisStreamerOptions;
  /**
   * How far {@link TestBus.settled} may move the manual clock before it gives up with a
   * NotSettledError.
   * @default 86400000 (24 h)
   */
  readonly settleLimitMs?: number;
  /**
   * How long (real time) {@link TestBus.settled} waits for work that needs real time: handlers
   * awaiting real I/O or timers, and everything on the system clock.
   * @default 10000
   */
  readonly realTimeLimitMs?: number;
}

/** The options with their defaults. */
export interface ResolvedBusOptions {
  readonly time: 'manual' | 'system';
  readonly startAt: number | undefined;
  readonly defaults: RedisStreamerOptions;
  readonly settleLimitMs: number;
  readonly realTimeLimitMs: number;
}

const SPEC: OptionsSpec<TestBusOptions> = {
  call: 'createTestBus()',
  argument: 'first',
  example: () => "{ time: 'manual' }",
  nullIsDefault: true,
  rules: {
    time: oneOf(['manual', 'system']),
    startAt: integer(0),
    defaults: plainObject('a RedisStreamerOptions object'),
    settleLimitMs: integer(1),
    realTimeLimitMs: timer(1),
  },
};

/** Checks the options (a ConfigError naming the option) and fills in the defaults. */
export function resolveBusOptions(options: TestBusOptions | undefined): ResolvedBusOptions {
  const o = checkOptions(SPEC, options ?? {});
  return {
    time: o.time ?? 'manual',
    startAt: o.startAt,
    defaults: o.defaults ?? {},
    settleLimitMs: o.settleLimitMs ?? 86_400_000,
    realTimeLimitMs: o.realTimeLimitMs ?? 10_000,
  };
}

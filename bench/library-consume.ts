/**
 * The library consuming channels that were filled beforehand, timed: msg/s from the start of the
 * run until the last entry was handled (and, at-least-once, acknowledged), and the CPU time this
 * process spent per message meanwhile.
 */
import {
  RedisStreamer,
  silentLogger,
  type RedisSource,
  type RedisStreamerOptions,
  type SubscribeOptions,
} from '../src/index.js';

/** What to consume, and how. */
export interface TimedConsume {
  /** Where (a URL, or a RedisInstance for a cluster). */
  readonly redis: RedisSource;
  readonly channels: readonly string[];
  /** Entries in all the channels together. */
  readonly total: number;
  readonly options?: RedisStreamerOptions;
  readonly handler?: () => unknown;
  readonly subscribe?: SubscribeOptions;
  /** Resolves once nothing is left pending (at-least-once: the last acknowledgements written). */
  readonly settled?: () => Promise<void>;
  /** Runs once everything was handled, before the streamer closes (to look at its connections). */
  readonly beforeClose?: () => Promise<void>;
}

/** What it measured. */
export interface Consumed {
  readonly rate: number;
  /** CPU time of this process per message, µs. */
  readonly cpuMicrosPerMessage: number;
}

/** Consumes `total` entries over the channels with a no-op (or the given) handler. */
export async function timeConsume(t: TimedConsume): Promise<Consumed> {
  const streamer = new RedisStreamer(t.redis, 'bench', { logger: silentLogger, ...t.options });
  for (const channel of t.channels) await streamer.subscribe(channel, { startFromLatest: false, ...t.subscribe });
  let count = 0;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => (finished = resolve));
  const handler = t.handler ?? (() => {});
  for (const channel of t.channels) {
    streamer.registerHandler(channel, () => {
      const r = handler();
      if (++count === t.total) finished();
      return r;
    });
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const run = streamer.persistConsume({ blockMs: 1000 });
  await done;
  await t.settled?.();
  const rate = t.total / ((performance.now() - t0) / 1000);
  const cpu = process.cpuUsage(cpu0);
  await t.beforeClose?.();
  await streamer.cleanup();
  await run;
  return { rate, cpuMicrosPerMessage: (cpu.user + cpu.system) / t.total };
}

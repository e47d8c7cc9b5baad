/**
 * Starting a `persistConsume` run: the read paths the channel loops share, a loop per subscribed
 * channel (and per channel subscribed later), and the maintenance timers, supervised by a
 * {@link ConsumeRun}.
 */
import type { ErrorContext } from '../events.js';
import type { ResolvedConsumeOptions } from '../options.js';
import { createChannelConsumer, type ConsumeEnv, type Subscription } from './channel-wiring.js';
import { ConsumeRun } from './consume-run.js';
import { ReadPaths } from './read-paths.js';
import type { Subscriptions } from './subscriptions.js';

/** What a run is started from. */
export interface RunStart {
  readonly env: ConsumeEnv;
  readonly subscriptions: Subscriptions;
  /** Resolves once Redis answers (and the start-up checks ran). */
  readonly connect: () => Promise<void>;
  readonly maintenance: {
    start(ledgerIntervalMs: number, cleanupIntervalMs: number): void;
    stop(): Promise<void>;
  };
  readonly report: (err: unknown, context: ErrorContext) => void;
  /** The run's abort signal fired: the streamer stops consuming. */
  readonly onAbort: () => void;
}

/** Starts a run. */
export function startRun(consume: ResolvedConsumeOptions, signal: AbortSignal | undefined, s: RunStart): ConsumeRun {
  const { env, subscriptions, maintenance } = s;
  const paths = new ReadPaths({ ...env, blockMs: consume.blockMs, channelCount: () => subscriptions.size });
  return new ConsumeRun(consume, signal, {
    connect: s.connect,
    channels: () => subscriptions.channels(),
    loopFor: (channel) => createChannelConsumer(env, subscriptions.get(channel) as Subscription, consume, paths),
    afterLoops: () => paths.close(),
    maintenance: {
      start: () => maintenance.start(consume.ledgerIntervalMs, consume.cleanupIntervalMs),
      stop: () => maintenance.stop(),
    },
    report: s.report,
    onAbort: s.onAbort,
    clock: env.clock,
  });
}

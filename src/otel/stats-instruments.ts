/**
 * Observable instruments read from the streamer's `getStats()` once per collection: its own
 * counters per channel (observable counters, cumulative as `getStats()` counts them) and, per
 * subscribed channel, what Redis says of the service's group (observable gauges). A collection
 * while Redis cannot be reached reports the counters and leaves the gauges out. Attributes: the
 * channel, and the group for a subscribed channel.
 */
import type { Attributes, BatchObservableCallback, Meter, Observable } from '@opentelemetry/api';
import { groupName, type Counters, type RedisStreamer } from '../index.js';
import { ATTR_DESTINATION, ATTR_GROUP, ATTR_SYSTEM, MESSAGING_SYSTEM } from './attributes.js';

/** The library's counters exported, with their metric names and descriptions. */
export const COUNTER_METRICS: ReadonlyArray<readonly [keyof Counters, string, string]> = [
  ['failed', 'redis_streamer.messages.failed', 'Handling attempts in which a handler failed.'],
  ['retried', 'redis_streamer.messages.retried', 'Retry attempts (at-least-once mode).'],
  ['deadLettered', 'redis_streamer.messages.dead_lettered', 'Entries moved to the dead-letter stream.'],
  [
    'deduplicated',
    'redis_streamer.messages.deduplicated',
    'Entries skipped by the dedup guard, or replays meant for another group.',
  ],
  ['reclaimed', 'redis_streamer.messages.reclaimed', 'Entries taken over from other consumers.'],
  ['trimmedUnread', 'redis_streamer.messages.trimmed_unread', 'Entries removed by retention before a group read them.'],
  ['deadLettersDropped', 'redis_streamer.dead_letters.dropped', "Dead letters dropped by the stream's cap or age."],
  [
    'retryRecordsRemoved',
    'redis_streamer.retry_records.removed',
    'Retry records removed because their group was destroyed.',
  ],
];

/** Stops reading the streamer's stats. */
export type StopObserving = () => void;

/** Registers the observable instruments on `meter`, read from `streamer`. */
export function observeStats(meter: Meter, streamer: RedisStreamer): StopObserving {
  const counters = COUNTER_METRICS.map(
    ([key, name, description]) =>
      [key, meter.createObservableCounter(name, { unit: '{message}', description })] as const,
  );
  const lag = meter.createObservableGauge('redis_streamer.group.lag', {
    unit: '{message}',
    description: "Entries not yet delivered to the service's group.",
  });
  const pending = meter.createObservableGauge('redis_streamer.group.pending', {
    unit: '{message}',
    description: 'Entries delivered to the group and not acknowledged.',
  });
  const oldestPending = meter.createObservableGauge('redis_streamer.group.oldest_pending.age', {
    unit: 's',
    description: 'Age of the oldest pending entry of the group (from its id).',
  });
  const consumers = meter.createObservableGauge('redis_streamer.group.consumers', {
    unit: '{consumer}',
    description: 'Consumers in the group.',
  });
  const deadLetters = meter.createObservableGauge('redis_streamer.dead_letters', {
    unit: '{message}',
    description: "Entries in the channel's dead-letter stream (all groups).",
  });
  const callback: BatchObservableCallback = async (result) => {
    const stats = await streamer.getStats();
    const subscribed = new Set(stats.channels);
    for (const [channel, c] of Object.entries(stats.perChannel)) {
      // The same attributes whether Redis answered or not, so a series never changes name.
      const group = subscribed.has(channel) ? groupName(channel, stats.service) : undefined;
      const attributes: Attributes = {
        [ATTR_SYSTEM]: MESSAGING_SYSTEM,
        [ATTR_DESTINATION]: channel,
        ...(group === undefined ? {} : { [ATTR_GROUP]: group }),
      };
      for (const [key, counter] of counters) result.observe(counter, c[key], attributes);
      if (c.redis === null) continue;
      if (c.redis.lag !== null) result.observe(lag, c.redis.lag, attributes);
      result.observe(pending, c.redis.pending, attributes);
      if (c.redis.oldestPendingAgeMs !== null)
        result.observe(oldestPending, c.redis.oldestPendingAgeMs / 1000, attributes);
      result.observe(consumers, c.redis.consumerCount, attributes);
      result.observe(deadLetters, c.redis.deadLetters, {
        [ATTR_SYSTEM]: MESSAGING_SYSTEM,
        [ATTR_DESTINATION]: channel,
      });
    }
  };
  const observables: Observable[] = [
    ...counters.map(([, counter]) => counter),
    lag,
    pending,
    oldestPending,
    consumers,
    deadLetters,
  ];
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}

/**
 * Metrics with redis-streamer/otel, read through an in-memory metric reader after a run with
 * failures, retries and a dead letter on a real server: the conventions' counters and histograms,
 * the library's counters and the group's gauges all match getStats(), and no attribute names an
 * entry.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { instrument } from '../../src/otel/index.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { histogramCount, points, telemetry, total } from './support.js';

const redis = useRedis();
const otel = telemetry();
after(() => otel.shutdown());

/** Every attribute key a metric point may carry. */
const BOUNDED = new Set([
  'messaging.system',
  'messaging.operation.name',
  'messaging.operation.type',
  'messaging.destination.name',
  'messaging.consumer.group.name',
  'error.type',
]);

describe('metrics', () => {
  it('match getStats() after a run with failures and retries', async () => {
    const channel = uniqueChannel('metrics');
    const s = redis.streamer('metrics-svc', {
      delivery: 'at-least-once',
      maxAttempts: 2,
      retryBaseMs: 50,
      retryMaxMs: 100,
      claimIntervalMs: 50,
    });
    instrument(s, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider });
    await s.subscribe(channel);
    const attempts = new Map<number, number>();
    s.registerHandler(channel, (_name, payload) => {
      const i = (payload as { i: number }).i;
      const attempt = (attempts.get(i) ?? 0) + 1;
      attempts.set(i, attempt);
      if (i === 0) throw new Error('poison'); // both attempts fail: dead-lettered
      if (i % 2 === 1 && attempt === 1) throw new TypeError('flaky'); // fails once, then succeeds
    });
    void s.persistConsume({ blockMs: 200 });
    await s.sendMessages(
      channel,
      Array.from({ length: 6 }, (_, i) => ({ name: 'n', body: { i } })),
    );
    await s.sendMessage(channel, { name: 'n', body: { i: 6 } });
    await waitFor(async () => {
      const c = (await s.getStats()).perChannel[channel];
      return c?.handled === 6 && c.deadLettered === 1 && c.redis?.pending === 0;
    }, 'every entry settled');

    const c = (await s.getStats()).perChannel[channel];
    const m = await otel.metrics();
    assert.ok(c?.redis);
    const here = { 'messaging.destination.name': channel };
    assert.equal(c.published, 7);
    assert.equal(total(m, 'messaging.client.sent.messages', here), c.published);
    assert.equal(histogramCount(m, 'messaging.client.operation.duration', here), 2, 'two publish calls');
    assert.equal(c.failed, 5);
    assert.equal(total(m, 'messaging.client.consumed.messages', here), c.handled + c.failed);
    assert.equal(histogramCount(m, 'messaging.process.duration', here), c.handled + c.failed);
    assert.equal(total(m, 'messaging.client.consumed.messages', { ...here, 'error.type': 'TypeError' }), 3);
    assert.equal(total(m, 'messaging.client.consumed.messages', { ...here, 'error.type': 'Error' }), 2);
    assert.equal(
      total(m, 'messaging.client.consumed.messages', {
        ...here,
        'messaging.consumer.group.name': `${channel}:metrics-svc:cg`,
      }),
      c.handled + c.failed,
    );

    // The library's own counters, read from getStats() at the collection.
    const own = {
      'redis_streamer.messages.failed': c.failed,
      'redis_streamer.messages.retried': c.retried,
      'redis_streamer.messages.dead_lettered': c.deadLettered,
      'redis_streamer.messages.deduplicated': c.deduplicated,
      'redis_streamer.messages.reclaimed': c.reclaimed,
      'redis_streamer.messages.trimmed_unread': c.trimmedUnread,
      'redis_streamer.dead_letters.dropped': c.deadLettersDropped,
      'redis_streamer.retry_records.removed': c.retryRecordsRemoved,
    };
    assert.ok(c.retried >= 4, `retried ${c.retried}`);
    for (const [name, value] of Object.entries(own)) assert.equal(total(m, name, here), value, name);
    // The group's gauges.
    const gauges = {
      'redis_streamer.group.lag': c.redis.lag,
      'redis_streamer.group.pending': c.redis.pending,
      'redis_streamer.group.consumers': c.redis.consumerCount,
      'redis_streamer.dead_letters': c.redis.deadLetters,
    };
    for (const [name, value] of Object.entries(gauges)) assert.equal(total(m, name, here), value, name);
    assert.equal(c.redis.deadLetters, 1);

    // Bounded cardinality: no entry id, no body, only these attributes.
    for (const metric of m) {
      for (const point of metric.dataPoints) {
        for (const key of Object.keys(point.attributes))
          assert.ok(BOUNDED.has(key), `${metric.descriptor.name}: ${key}`);
      }
    }
    assert.ok(points(m, 'messaging.process.duration').length > 0);
  });

  it('counts a failed publish with its error.type', async () => {
    const channel = uniqueChannel('metrics-fail');
    const s = redis.streamer('metrics-fail-pub', { maxMessageBytes: 16 });
    instrument(s, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider, observeStats: false });
    await assert.rejects(
      s.sendMessages(channel, [
        { name: 'n', body: 'x'.repeat(64) },
        { name: 'n', body: 1 },
      ]),
    );
    const m = await otel.metrics();
    const here = { 'messaging.destination.name': channel };
    assert.equal(total(m, 'messaging.client.sent.messages', { ...here, 'error.type': 'MessageTooLargeError' }), 2);
    assert.equal(total(m, 'messaging.client.sent.messages', here), 2);
  });
});

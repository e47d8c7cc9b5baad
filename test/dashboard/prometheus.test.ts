/**
 * renderPrometheus, with no Redis: the format (HELP and TYPE before each family's samples), label
 * escaping, a null lag, prefixes; and the history's ring buffers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChannelInfo } from '../../src/index.js';
import { History, RingBuffer } from '../../src/dashboard/history.js';
import { escapeLabelValue, renderPrometheus } from '../../src/metrics/prometheus.js';
import { parsePrometheus, sampleOf } from './helpers.js';

const nasty = 'we"ird\\chan\nnel';

const channels: ChannelInfo[] = [
  {
    channel: 'orders',
    length: 5,
    firstEntryMs: 1,
    lastEntryMs: 2,
    deadLetters: 1,
    groups: [
      {
        name: 'orders:billing:cg',
        lag: 3,
        pending: 2,
        lastDeliveredId: '2-0',
        oldestPendingAgeMs: 1500,
        live: true,
        consumers: [
          { name: 'billing.a', pending: 2, idleMs: 250 },
          { name: 'billing.b', pending: 0, idleMs: 90_000 },
        ],
      },
      {
        name: 'orders:old:cg',
        lag: null,
        pending: 0,
        lastDeliveredId: '0-0',
        oldestPendingAgeMs: null,
        live: false,
        consumers: [],
      },
    ],
  },
  { channel: nasty, length: 0, firstEntryMs: null, lastEntryMs: null, deadLetters: 0, groups: [] },
];

describe('renderPrometheus', () => {
  it('writes every family as a gauge with HELP and TYPE, its samples together', () => {
    const text = renderPrometheus(channels);
    assert.ok(text.endsWith('\n'));
    const { samples, types } = parsePrometheus(text);
    assert.deepEqual(
      [...types.keys()],
      [
        'stream_length',
        'dead_letters',
        'group_lag',
        'group_pending',
        'group_oldest_pending_age_seconds',
        'group_consumers',
        'group_live',
        'consumer_pending',
        'consumer_idle_seconds',
      ].map((n) => `redis_streamer_${n}`),
    );
    const g = { channel: 'orders', group: 'orders:billing:cg' };
    assert.equal(sampleOf(samples, 'redis_streamer_stream_length', { channel: 'orders' }), 5);
    assert.equal(sampleOf(samples, 'redis_streamer_dead_letters', { channel: 'orders' }), 1);
    assert.equal(sampleOf(samples, 'redis_streamer_group_lag', g), 3);
    assert.equal(sampleOf(samples, 'redis_streamer_group_pending', g), 2);
    assert.equal(sampleOf(samples, 'redis_streamer_group_oldest_pending_age_seconds', g), 1.5);
    assert.equal(sampleOf(samples, 'redis_streamer_group_consumers', g), 2);
    assert.equal(sampleOf(samples, 'redis_streamer_group_live', g), 1);
    assert.equal(sampleOf(samples, 'redis_streamer_consumer_pending', { ...g, consumer: 'billing.a' }), 2);
    assert.equal(sampleOf(samples, 'redis_streamer_consumer_idle_seconds', { ...g, consumer: 'billing.b' }), 90);
    assert.match(text, /^redis_streamer_group_pending\{channel="orders",group="orders:billing:cg"\} 2$/m);
  });

  it('leaves out an unknown (null) lag, and writes a stale group live 0 with age 0', () => {
    const { samples } = parsePrometheus(renderPrometheus(channels));
    const old = { channel: 'orders', group: 'orders:old:cg' };
    assert.equal(
      samples.filter((s) => s.name === 'redis_streamer_group_lag' && s.labels['group'] === old.group).length,
      0,
    );
    assert.equal(sampleOf(samples, 'redis_streamer_group_live', old), 0);
    assert.equal(sampleOf(samples, 'redis_streamer_group_pending', old), 0);
    assert.equal(sampleOf(samples, 'redis_streamer_group_oldest_pending_age_seconds', old), 0);
    assert.equal(sampleOf(samples, 'redis_streamer_group_consumers', old), 0);
  });

  it('escapes backslash, double quote and line feed in label values', () => {
    assert.equal(escapeLabelValue(nasty), 'we\\"ird\\\\chan\\nnel');
    const text = renderPrometheus(channels);
    assert.ok(text.includes('redis_streamer_stream_length{channel="we\\"ird\\\\chan\\nnel"} 0\n'));
    assert.equal(text.split('\n').filter((l) => l.startsWith('nel')).length, 0, 'no raw line feed in a label');
    const { samples } = parsePrometheus(text);
    assert.equal(sampleOf(samples, 'redis_streamer_stream_length', { channel: nasty }), 0, 'round trip');
  });

  it('takes a prefix, and refuses one that is not a metric name', () => {
    const text = renderPrometheus(channels, { prefix: 'app_events' });
    assert.match(text, /^# TYPE app_events_stream_length gauge$/m);
    assert.doesNotMatch(text, /redis_streamer/);
    assert.throws(() => renderPrometheus(channels, { prefix: 'bad-prefix' }), /not a valid metric name/);
    assert.throws(() => renderPrometheus(channels, { prefix: '' }), /not a valid metric name/);
  });

  it('writes the HELP and TYPE lines even with no channel', () => {
    const { samples, types } = parsePrometheus(renderPrometheus([]));
    assert.equal(samples.length, 0);
    assert.equal(types.size, 9);
  });
});

describe('history', () => {
  it('a ring buffer keeps the newest items, oldest first', () => {
    const ring = new RingBuffer<number>(3);
    assert.deepEqual(ring.toArray(), []);
    for (let i = 1; i <= 5; i++) ring.push(i);
    assert.deepEqual(ring.toArray(), [3, 4, 5]);
    assert.equal(ring.size, 3);
    assert.throws(() => new RingBuffer(0), RangeError);
  });

  it('records per channel and group, bounded, and forgets what disappears', () => {
    const history = new History(2);
    history.record(1, channels);
    history.record(2, channels);
    history.record(3, [channels[0]!]);
    const orders = history.of('orders');
    assert.deepEqual(
      orders.samples.map((s) => s.t),
      [2, 3],
    );
    assert.deepEqual(
      orders.groups.map((g) => g.name),
      ['orders:billing:cg', 'orders:old:cg'],
    );
    assert.deepEqual(orders.groups[0]!.samples, [
      { t: 2, lag: 3, pending: 2 },
      { t: 3, lag: 3, pending: 2 },
    ]);
    assert.equal(orders.groups[1]!.samples[0]!.lag, null);
    assert.deepEqual(history.of(nasty), { samples: [], groups: [] }, 'a channel gone is forgotten');
    history.record(4, [{ ...channels[0]!, groups: [] }]);
    assert.deepEqual(history.of('orders').groups, [], 'a group gone is forgotten');
    assert.equal(history.channels, 1);
  });
});

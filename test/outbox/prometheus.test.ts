/** renderOutboxPrometheus: the relays' counters and the table's state in the text format. A unit test. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/index.js';
import { renderOutboxPrometheus, type OutboxRelayStats, type OutboxStatus } from '../../src/outbox/index.js';

const relay: OutboxRelayStats = {
  table: 'outbox',
  running: true,
  listening: true,
  rounds: 3,
  published: 120,
  failedAttempts: 2,
  deadRows: 1,
  staleRows: 0,
  deletedRows: 50,
  errors: 4,
  lastError: null,
  lastErrorCode: null,
  lastErrorAt: null,
  lastPublishedAt: null,
};

const status: OutboxStatus = {
  table: 'outbox',
  unpublished: 5,
  failing: 1,
  dead: 1,
  oldestUnpublishedAgeMs: 2500,
  channels: [{ channel: 'or"ders', unpublished: 5, failing: 1, dead: 1, oldestUnpublishedAgeMs: 2500 }],
  failingRows: [],
};

void describe('renderOutboxPrometheus', () => {
  void it('renders counters per table and gauges per channel, labels escaped', () => {
    const text = renderOutboxPrometheus({ relays: [relay], status });
    assert.match(text, /^# HELP redis_streamer_outbox_published_total /m);
    assert.match(text, /^# TYPE redis_streamer_outbox_published_total counter$/m);
    assert.match(text, /^redis_streamer_outbox_published_total\{table="outbox"\} 120$/m);
    assert.match(text, /^redis_streamer_outbox_relay_errors_total\{table="outbox"\} 4$/m);
    assert.match(text, /^redis_streamer_outbox_relay_listening\{table="outbox"\} 1$/m);
    assert.match(text, /^redis_streamer_outbox_unpublished_rows\{table="outbox",channel="or\\"ders"\} 5$/m);
    assert.match(text, /^redis_streamer_outbox_oldest_unpublished_age_seconds\{table="outbox"\} 2\.5$/m);
    assert.ok(text.endsWith('\n'));
  });

  void it('takes a prefix, renders either part alone, and refuses a bad prefix', () => {
    assert.match(renderOutboxPrometheus({ status }, { prefix: 'app' }), /^app_outbox_dead_rows\{/m);
    assert.doesNotMatch(renderOutboxPrometheus({ status }), /published_total/);
    assert.equal(renderOutboxPrometheus({}), '');
    assert.throws(() => renderOutboxPrometheus({ status }, { prefix: '9x' }), ConfigError);
  });
});

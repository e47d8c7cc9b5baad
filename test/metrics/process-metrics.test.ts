/**
 * processMetrics(): a run with failures, retries and a dead letter on a real server, served over
 * node:http, parsed back with a real parser (parse-prometheus-text-format: every line's syntax,
 * names, labels and escapes) and checked against getStats(); the histogram is cumulative and counts
 * every handling; wrong options and arguments are ConfigErrors.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import parse, { type PromFamily, type PromSample } from 'parse-prometheus-text-format';
import { ConfigError, processMetrics, PROMETHEUS_CONTENT_TYPE } from '../../src/index.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';

const redis = useRedis();

/** Serves `body()` at /metrics on a free port, fetches it once, and closes the server. */
async function scrape(body: () => Promise<string>): Promise<{ type: string | null; text: string }> {
  const server = createServer((_req, res) => {
    void body().then((text) => {
      res.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE);
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    return { type: response.headers.get('content-type'), text: await response.text() };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

function family(families: readonly PromFamily[], name: string): PromFamily {
  const found = families.find((f) => f.name === name);
  assert.ok(found, `${name} is rendered`);
  return found;
}

/**
 * The histogram's `_bucket`, `_sum` or `_count` samples with all their labels: parsed without its
 * TYPE line, so the parser keeps every sample apart (it merges a typed histogram's series into one).
 */
function histogramSamples(text: string, name: string): readonly PromSample[] {
  return parse(text.replace(`# TYPE ${name.replace(/_(bucket|sum|count)$/, '')} histogram\n`, ''))
    .filter((f) => f.name === name)
    .flatMap((f) => f.metrics);
}

describe('processMetrics()', () => {
  it("renders the streamer's counters and a handler-duration histogram that match getStats()", async () => {
    const channel = uniqueChannel('process-metrics');
    const s = redis.streamer('pm-svc', {
      delivery: 'at-least-once',
      maxAttempts: 2,
      retryBaseMs: 50,
      retryMaxMs: 100,
      claimIntervalMs: 50,
    });
    const metrics = processMetrics();
    s.use(metrics.middleware);
    await s.subscribe(channel);
    const seen = new Set<number>();
    s.registerHandler(channel, (_name, payload) => {
      const i = (payload as { i: number }).i;
      const first = !seen.has(i);
      seen.add(i);
      if (i === 0) throw new Error('poison');
      if (i % 2 === 1 && first) throw new Error('flaky');
    });
    void s.persistConsume({ blockMs: 200 });
    await s.sendMessages(
      channel,
      Array.from({ length: 5 }, (_, i) => ({ name: 'n', body: { i } })),
    );
    await waitFor(async () => {
      const c = (await s.getStats()).perChannel[channel];
      return c?.handled === 4 && c.deadLettered === 1 && c.redis?.pending === 0;
    }, 'every entry settled');

    const stats = await s.getStats();
    const { type, text } = await scrape(async () => metrics.render(await s.getStats()));
    assert.equal(type, PROMETHEUS_CONTENT_TYPE);
    const families = parse(text);
    const c = stats.perChannel[channel];
    assert.ok(c);
    const labels = { service: 'pm-svc', channel };
    const counters = {
      redis_streamer_published_total: c.published,
      redis_streamer_delivered_total: c.delivered,
      redis_streamer_handled_total: c.handled,
      redis_streamer_failed_total: c.failed,
      redis_streamer_retried_total: c.retried,
      redis_streamer_dead_lettered_total: c.deadLettered,
      redis_streamer_deduplicated_total: c.deduplicated,
      redis_streamer_reclaimed_total: c.reclaimed,
      redis_streamer_trimmed_unread_total: c.trimmedUnread,
      redis_streamer_dead_letters_dropped_total: c.deadLettersDropped,
      redis_streamer_retry_records_removed_total: c.retryRecordsRemoved,
    };
    for (const [name, value] of Object.entries(counters)) {
      const f = family(families, name);
      assert.equal(f.type, 'COUNTER');
      assert.deepEqual(f.metrics, [{ labels, value: String(value) }], name);
    }
    assert.deepEqual(family(families, 'redis_streamer_consuming').metrics, [
      { labels: { service: 'pm-svc' }, value: '1' },
    ]);
    assert.equal(c.failed, 4); // the poison entry twice, two flaky ones once
    assert.equal(c.handled, 4);

    // The histogram: one series per outcome, cumulative buckets ending at +Inf = count = getStats().
    const name = 'redis_streamer_handler_duration_seconds';
    assert.equal(family(families, name).type, 'HISTOGRAM');
    const group = `${channel}:pm-svc:cg`;
    for (const [outcome, expected] of [
      ['handled', c.handled],
      ['failed', c.failed],
    ] as const) {
      const series = { service: 'pm-svc', channel, group, outcome };
      const count = histogramSamples(text, `${name}_count`).find((m) => m.labels?.['outcome'] === outcome);
      assert.deepEqual(count, { labels: series, value: String(expected) });
      const buckets = histogramSamples(text, `${name}_bucket`).filter((m) => m.labels?.['outcome'] === outcome);
      assert.equal(buckets.length, 15);
      const values = buckets.map((b) => Number(b.value));
      assert.deepEqual(
        values,
        [...values].sort((a, b) => a - b),
        'cumulative',
      );
      assert.equal(buckets.at(-1)?.labels?.['le'], '+Inf');
      assert.equal(values.at(-1), expected);
      const sum = Number(histogramSamples(text, `${name}_sum`).find((m) => m.labels?.['outcome'] === outcome)?.value);
      assert.ok(sum >= 0 && sum < 10, `sum ${sum}`);
    }
  });

  it('renders several streamers, and escapes label values', () => {
    const metrics = processMetrics({ prefix: 'app', buckets: [0.1, 1] });
    const stats = (service: string, channel: string) =>
      ({ service: service, consuming: false, perChannel: { [channel]: { published: 2 } } }) as never;
    const text = metrics.render([stats('a', 'x"y\\z'), stats('b', 'line\nbreak')]);
    const published = family(parse(text), 'app_published_total');
    assert.deepEqual(
      published.metrics.map((m) => [m.labels, m.value]),
      [
        [{ service: 'a', channel: 'x"y\\z' }, '2'],
        [{ service: 'b', channel: 'line\nbreak' }, '2'],
      ],
    );
  });

  it('refuses wrong options and stats, naming them', () => {
    const refused = (f: () => unknown, pattern: RegExp): void =>
      assert.throws(f, (e) => e instanceof ConfigError && pattern.test(e.message), String(pattern));
    refused(() => processMetrics({ prefix: 'my-app' }), /processMetrics\(\): option `prefix` must be a metric name/);
    refused(() => processMetrics({ buckets: [1, 0.5] }), /option `buckets` must be a non-empty array .* increasing/);
    refused(() => processMetrics({ buckets: [] }), /option `buckets`/);
    refused(() => processMetrics({ bucket: [1] } as never), /processMetrics\(\): .*bucket/);
    const metrics = processMetrics();
    refused(
      () => metrics.render({} as never),
      /render\(\): the stats \(first argument\) must be what streamer.getStats\(\) returns/,
    );
    refused(() => metrics.render([null] as never), /render\(\): stats\[0\] must be/);
  });
});

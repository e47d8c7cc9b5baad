/**
 * Tracing with redis-streamer/otel on a real server, read through the SDK's in-memory exporter: a
 * publish in one process and its consumption in another, linked; the handlers inside the process
 * span; a raw XADD starting a new trace; a retry then a success; a dead letter, its log line and its
 * replay; a child-of-producer option; a typed channel; a batch without create spans; a failed
 * publish.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { z } from 'zod';
import { defineChannel, type Logger, type RedisStreamerOptions } from '../../src/index.js';
import { instrument, type InstrumentOptions } from '../../src/otel/index.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { telemetry } from './support.js';

const redis = useRedis();
const otel = telemetry();
after(() => otel.shutdown());
const tracer = otel.tracerProvider.getTracer('test-app');

function traced(name: string, options: RedisStreamerOptions = {}, extra: InstrumentOptions = {}) {
  const s = redis.streamer(name, options);
  instrument(s, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider, ...extra });
  return s;
}

/** The spans of one channel, by name (`process <channel>`...). */
function spansOf(channel: string, name: string): ReadableSpan[] {
  return otel.spans().filter((s) => s.name === `${name} ${channel}`);
}

async function waitForSpans(channel: string, name: string, n: number): Promise<ReadableSpan[]> {
  await waitFor(() => spansOf(channel, name).length >= n, `${n} ${name} spans`);
  return spansOf(channel, name);
}

const events = (s: ReadableSpan | undefined): string[] => s?.events.map((e) => e.name) ?? [];

interface ChildSpan {
  name: string;
  kind: SpanKind;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
  links: string[];
}

function publishFromChild(channel: string): Promise<{ ids: string[]; spans: ChildSpan[] }> {
  return new Promise((resolve, reject) => {
    const script = new URL('./child-publisher.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, ['--import', 'tsx', script, redis.url, channel], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as { ids: string[]; spans: ChildSpan[] })
        : reject(new Error(`child exited ${code}: ${err}`)),
    );
  });
}

describe('a publish in one process, consumed in another', () => {
  it('links each process span to the creation context the entry carries, with the conventions’ attributes', async () => {
    const channel = uniqueChannel('xproc');
    const consumer = traced('billing');
    await consumer.subscribe(channel);
    const seen: Array<{ tenant: string | undefined; span: string | undefined }> = [];
    consumer.registerHandler(channel, () => {
      seen.push({
        tenant: propagation.getBaggage(context.active())?.getEntry('tenant')?.value,
        span: trace.getActiveSpan()?.spanContext().spanId,
      });
    });
    void consumer.persistConsume({ blockMs: 200 });
    const child = await publishFromChild(channel);
    const processed = await waitForSpans(channel, 'process', 3);

    // The producer's spans: send (PRODUCER) for sendMessage, create (PRODUCER) per message and send
    // (CLIENT) linking them for sendMessages, all children of the application's span.
    const app = child.spans.find((s) => s.name === 'checkout');
    const single = child.spans.find((s) => s.name === `send ${channel}` && s.kind === SpanKind.PRODUCER);
    const creates = child.spans.filter((s) => s.name === `create ${channel}`);
    const batch = child.spans.find((s) => s.name === `send ${channel}` && s.kind === SpanKind.CLIENT);
    assert.ok(app && single && batch);
    assert.equal(creates.length, 2);
    for (const s of [single, batch, ...creates]) assert.equal(s.parentSpanId, app.spanId);
    assert.deepEqual(
      batch.links,
      creates.map((c) => c.spanId),
    );
    assert.deepEqual(single.attributes, {
      'messaging.system': 'redis',
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.destination.name': channel,
      'messaging.client.id': single.attributes['messaging.client.id'],
      'messaging.message.id': child.ids[0],
    });
    assert.equal(batch.attributes['messaging.batch.message_count'], 2);

    // The consumer's: one process span (CONSUMER) per entry, a new trace linked to its creation context.
    const creations = [single, ...creates];
    const byId = new Map(processed.map((s) => [s.attributes['messaging.message.id'], s]));
    child.ids.forEach((id, i) => {
      const span = byId.get(id);
      assert.ok(span, `a process span for ${id}`);
      assert.equal(span.kind, SpanKind.CONSUMER);
      assert.deepEqual(
        span.links.map((l) => `${l.context.traceId}/${l.context.spanId}`),
        [`${app.traceId}/${creations[i]?.spanId}`],
      );
      assert.equal(span.parentSpanContext, undefined);
      assert.notEqual(span.spanContext().traceId, app.traceId);
      assert.deepEqual(span.attributes, {
        'messaging.system': 'redis',
        'messaging.operation.name': 'process',
        'messaging.operation.type': 'process',
        'messaging.destination.name': channel,
        'messaging.consumer.group.name': `${channel}:billing:cg`,
        'messaging.message.id': id,
        'messaging.client.id': consumer.consumer,
        'messaging.redis.message.delivery_attempt': 1,
        'messaging.redis.message.name': ['order.created', 'order.paid', 'order.shipped'][i],
      });
      assert.equal(span.status.code, SpanStatusCode.UNSET);
    });
    // The handlers ran in the process span's context, with the producer's baggage.
    assert.deepEqual(
      seen.map((s) => s.tenant),
      ['acme', 'acme', 'acme'],
    );
    assert.deepEqual(new Set(seen.map((s) => s.span)), new Set(processed.map((s) => s.spanContext().spanId)));
    // What travels in the entries: W3C traceparent and baggage fields after name and body.
    const entries = await redis.client.xrange(channel, '-', '+');
    assert.deepEqual(entries[0]?.[1].slice(0, 4), ['name', 'order.created', 'body', '{"order":1}']);
    const raw = entries[0]?.[1] ?? [];
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < raw.length; i += 2) fields[raw[i] as string] = raw[i + 1] as string;
    assert.equal(fields['traceparent'], `00-${app.traceId}-${single.spanId}-01`);
    assert.equal(fields['baggage'], 'tenant=acme');
  });
});

describe('consuming, traced', () => {
  it("nests a handler's own span under the process span", async () => {
    const channel = uniqueChannel('nested');
    const s = traced('nested-svc');
    await s.subscribe(channel);
    s.registerHandler(channel, async () => {
      await tracer.startActiveSpan('db.query', async (span) => {
        await new Promise((r) => setTimeout(r, 5));
        span.end();
      });
    });
    void s.persistConsume({ blockMs: 200 });
    await s.sendMessage(channel, { name: 'n', body: 1 });
    const [processSpan] = await waitForSpans(channel, 'process', 1);
    const query = otel
      .spans()
      .find((x) => x.name === 'db.query' && x.parentSpanContext?.spanId === processSpan?.spanContext().spanId);
    assert.ok(query, 'db.query is a child of the process span');
    assert.equal(query.spanContext().traceId, processSpan?.spanContext().traceId);
  });

  it('starts a new trace for an entry without trace fields (a raw XADD, a Python publisher)', async () => {
    const channel = uniqueChannel('raw');
    const s = traced('raw-svc');
    await s.subscribe(channel);
    s.registerHandler(channel, () => {});
    void s.persistConsume({ blockMs: 200 });
    await redis.client.xadd(channel, '*', 'name', 'from-python', 'body', '{"a": 1}');
    const [span] = await waitForSpans(channel, 'process', 1);
    assert.ok(span);
    assert.deepEqual(span.links, []);
    assert.equal(span.parentSpanContext, undefined);
    assert.equal(span.attributes['messaging.redis.message.name'], 'from-python');
  });

  it('shows a retry then a success: two process spans, the first failed with a retry event', async () => {
    const channel = uniqueChannel('retry');
    const s = traced('retry-svc', { delivery: 'at-least-once', retryBaseMs: 50, retryMaxMs: 100, claimIntervalMs: 50 });
    await s.subscribe(channel);
    let calls = 0;
    s.registerHandler(channel, () => {
      if (++calls === 1) throw new TypeError('flaky');
    });
    void s.persistConsume({ blockMs: 200 });
    const id = await s.sendMessage(channel, { name: 'n', body: 1 });
    const [send] = spansOf(channel, 'send');
    const spans = await waitForSpans(channel, 'process', 2);
    const [first, second] = [...spans].sort(
      (a, b) =>
        Number(a.attributes['messaging.redis.message.delivery_attempt']) -
        Number(b.attributes['messaging.redis.message.delivery_attempt']),
    );
    assert.equal(first?.attributes['messaging.redis.message.delivery_attempt'], 1);
    assert.equal(first?.status.code, SpanStatusCode.ERROR);
    assert.equal(first?.attributes['error.type'], 'TypeError');
    assert.deepEqual(events(first), ['exception', 'messaging.redis.retry']);
    assert.equal(second?.attributes['messaging.redis.message.delivery_attempt'], 2);
    assert.equal(second?.status.code, SpanStatusCode.UNSET);
    assert.deepEqual(events(second), ['messaging.redis.ack']);
    for (const span of [first, second]) {
      assert.equal(span?.attributes['messaging.message.id'], id);
      assert.equal(span?.links[0]?.context.spanId, send?.spanContext().spanId);
    }
  });

  it('a handler throwing what is not an Error: an exception event all the same, with its text', async () => {
    const channel = uniqueChannel('non-error');
    const s = traced('non-error-svc');
    await s.subscribe(channel);
    s.registerHandler(channel, () => {
      throw { code: 42 }; // eslint-disable-line @typescript-eslint/only-throw-error
    });
    void s.persistConsume({ blockMs: 200 });
    await s.sendMessage(channel, { name: 'n', body: 1 });
    const [processSpan] = await waitForSpans(channel, 'process', 1);
    assert.equal(processSpan?.status.code, SpanStatusCode.ERROR);
    assert.equal(processSpan?.status.message, '{"code":42}');
    assert.equal(processSpan?.attributes['error.type'], '_OTHER');
    const exception = processSpan?.events.find((e) => e.name === 'exception');
    assert.equal(exception?.attributes?.['exception.message'], '{"code":42}');
  });

  it('shows a dead letter (a dead_letter span under the failed process span), its log line, and its replay', async () => {
    const channel = uniqueChannel('dlq');
    const warnings: object[] = [];
    const logger: Logger = { debug: () => {}, info: () => {}, error: () => {}, warn: (f) => void warnings.push(f) };
    const s = traced('dlq-svc', { logger });
    await s.subscribe(channel);
    let failing = true;
    s.registerHandler(channel, () => {
      if (failing) throw new RangeError('poison');
    });
    void s.persistConsume({ blockMs: 200 });
    const id = await s.sendMessage(channel, { name: 'n', body: 1 });
    const [send] = spansOf(channel, 'send');
    const [processSpan] = await waitForSpans(channel, 'process', 1);
    const [dead] = await waitForSpans(channel, 'dead_letter', 1);
    assert.deepEqual(events(processSpan), ['exception', 'messaging.redis.dead_letter']);
    assert.equal(dead?.kind, SpanKind.CLIENT);
    assert.equal(dead?.parentSpanContext?.spanId, processSpan?.spanContext().spanId);
    assert.equal(dead?.links[0]?.context.spanId, send?.spanContext().spanId);
    const [letter] = await s.deadLetters(channel).list();
    assert.deepEqual(dead?.attributes, {
      'messaging.system': 'redis',
      'messaging.operation.name': 'dead_letter',
      'messaging.operation.type': 'settle',
      'messaging.destination.name': channel,
      'messaging.consumer.group.name': `${channel}:dlq-svc:cg`,
      'messaging.message.id': id,
      'messaging.redis.message.delivery_attempt': 1,
      'messaging.redis.dead_letter.reason': 'handler-failed',
      'messaging.redis.dead_letter.id': letter?.deadLetterId,
    });
    // The log line about the failure carries the process span's ids.
    await waitFor(() => warnings.length > 0, 'the failure logged');
    assert.deepEqual(
      {
        trace_id: (warnings[0] as Record<string, unknown>)['trace_id'],
        span_id: (warnings[0] as Record<string, unknown>)['span_id'],
      },
      { trace_id: processSpan?.spanContext().traceId, span_id: processSpan?.spanContext().spanId },
    );

    failing = false;
    await s.deadLetters(channel).replay('all');
    const replayed = (await waitForSpans(channel, 'process', 2)).find(
      (x) => x.attributes['messaging.redis.message.source'] === 'replay',
    );
    assert.ok(replayed);
    assert.equal(replayed.attributes['messaging.message.id'], id);
    assert.match(String(replayed.attributes['messaging.redis.replay.entry_id']), /^\d+-\d+$/);
    assert.notEqual(replayed.attributes['messaging.redis.replay.entry_id'], id);
    assert.equal(replayed.links[0]?.context.spanId, send?.spanContext().spanId, 'still linked to the original send');
    assert.equal(replayed.status.code, SpanStatusCode.UNSET);
  });

  it('with parentFromMessage, makes the process span a child of the creation context (and still links it)', async () => {
    const channel = uniqueChannel('child-of');
    const s = traced('child-of-svc', {}, { parentFromMessage: true });
    await s.subscribe(channel);
    s.registerHandler(channel, () => {});
    void s.persistConsume({ blockMs: 200 });
    await s.sendMessage(channel, { name: 'n', body: 1 });
    const [send] = spansOf(channel, 'send');
    const [span] = await waitForSpans(channel, 'process', 1);
    assert.equal(span?.parentSpanContext?.spanId, send?.spanContext().spanId);
    assert.equal(span?.spanContext().traceId, send?.spanContext().traceId);
    assert.equal(span?.links[0]?.context.spanId, send?.spanContext().spanId);
  });

  it('traces a typed channel (defineChannel) like any other', async () => {
    const orders = defineChannel(uniqueChannel('typed'), {
      'order.created': z.object({ id: z.string(), total: z.number() }),
    });
    const s = traced('typed-svc');
    await s.subscribe(orders);
    const totals: number[] = [];
    s.registerHandler(orders, (_name, payload) => void totals.push(payload.total), { name: 'order.created' });
    void s.persistConsume({ blockMs: 200 });
    const id = await s.sendMessage(orders, { name: 'order.created', body: { id: 'a', total: 5 } });
    const [span] = await waitForSpans(orders.name, 'process', 1);
    const [send] = spansOf(orders.name, 'send');
    assert.deepEqual(totals, [5]);
    assert.equal(span?.attributes['messaging.message.id'], id);
    assert.equal(span?.attributes['messaging.redis.message.name'], 'order.created');
    assert.equal(span?.links[0]?.context.spanId, send?.spanContext().spanId);
  });
});

describe('publishing, traced', () => {
  it('without create spans, a batch is one send span (PRODUCER) whose context every message carries', async () => {
    const channel = uniqueChannel('no-create');
    const s = traced('no-create-pub', {}, { createSpans: false });
    await s.sendMessages(channel, [
      { name: 'a', body: 1 },
      { name: 'b', body: 2 },
    ]);
    const [send] = spansOf(channel, 'send');
    assert.equal(spansOf(channel, 'create').length, 0);
    assert.equal(send?.kind, SpanKind.PRODUCER);
    assert.equal(send?.attributes['messaging.batch.message_count'], 2);
    const parents = (await redis.client.xrange(channel, '-', '+')).map(([, f]) => f[f.indexOf('traceparent') + 1]);
    const expected = `00-${send?.spanContext().traceId}-${send?.spanContext().spanId}-01`;
    assert.deepEqual(parents, [expected, expected]);
  });

  it('ends the send span of a failed publish with error.type and an error status', async () => {
    const channel = uniqueChannel('too-big');
    const s = traced('too-big-pub', { maxMessageBytes: 16 });
    await assert.rejects(s.sendMessage(channel, { name: 'n', body: 'x'.repeat(64) }));
    const [send] = spansOf(channel, 'send');
    assert.equal(send?.status.code, SpanStatusCode.ERROR);
    assert.equal(send?.attributes['error.type'], 'MessageTooLargeError');
    assert.equal(await redis.client.xlen(channel), 0);
  });
});

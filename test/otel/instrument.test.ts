/**
 * instrument() itself, on a real server: wrong arguments are ConfigErrors naming them, a streamer
 * is instrumented once at a time, close() turns it off (and allows instrumenting again), tracing and
 * metrics can be turned on alone, and the providers and propagator default to the global ones.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { propagation, trace, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { ConfigError } from '../../src/index.js';
import { instrument } from '../../src/otel/index.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { telemetry, total } from './support.js';

const redis = useRedis();
const otel = telemetry();
after(() => otel.shutdown());
const providers = { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider };

const sendSpans = (channel: string): number => otel.spans().filter((s) => s.name === `send ${channel}`).length;

async function fieldsOfLast(channel: string): Promise<string[]> {
  const entries = await redis.client.xrange(channel, '-', '+');
  return entries.at(-1)?.[1] ?? [];
}

describe('instrument()', () => {
  it('refuses what is not a streamer, unknown options and wrong values, naming them', () => {
    const s = redis.streamer('checks');
    const refused = (f: () => unknown, pattern: RegExp): void =>
      assert.throws(f, (e) => e instanceof ConfigError && pattern.test(e.message), String(pattern));
    refused(() => instrument(undefined as never), /first argument must be a RedisStreamer; got undefined/);
    refused(() => instrument({} as never), /first argument must be a RedisStreamer; got an object/);
    refused(() => instrument(s, 'on' as never), /options \(second argument\) must be an object; got "on"/);
    refused(() => instrument(s, { tracer: {} } as never), /unknown option `tracer`/);
    refused(() => instrument(s, { tracing: 'yes' } as never), /option `tracing` must be a boolean; got "yes"/);
    refused(
      () => instrument(s, { tracerProvider: {} } as never),
      /option `tracerProvider` must be an object with getTracer/,
    );
    refused(() => instrument(s, { tracing: false, metrics: false }), /both false: there is nothing to turn on/);
  });

  it('instruments a streamer once at a time; close() turns it off and allows it again', async () => {
    const channel = uniqueChannel('close');
    const s = redis.streamer('close-pub');
    const first = instrument(s, providers);
    assert.throws(
      () => instrument(s, providers),
      (e) => e instanceof ConfigError && /already instrumented/.test(e.message),
    );
    await s.sendMessage(channel, { name: 'n', body: 1 });
    assert.equal(sendSpans(channel), 1);
    assert.ok((await fieldsOfLast(channel)).includes('traceparent'));
    first.close();
    first.close(); // twice is fine
    await s.sendMessage(channel, { name: 'n', body: 2 });
    assert.equal(sendSpans(channel), 1, 'no span once closed');
    assert.deepEqual(await fieldsOfLast(channel), ['name', 'n', 'body', '2']);
    instrument(s, providers);
    await s.sendMessage(channel, { name: 'n', body: 3 });
    assert.equal(sendSpans(channel), 2);
  });

  it('ends a process span started before close()', async () => {
    const channel = uniqueChannel('close-mid');
    const s = redis.streamer('close-mid-svc');
    const instrumentation = instrument(s, providers);
    await s.subscribe(channel);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = false;
    s.registerHandler(channel, async () => {
      entered = true;
      await gate;
    });
    void s.persistConsume({ blockMs: 200 });
    await redis.client.xadd(channel, '*', 'name', 'n', 'body', '1');
    await waitFor(() => entered, 'the handler runs');
    instrumentation.close();
    release();
    await waitFor(() => otel.spans().some((x) => x.name === `process ${channel}`), 'the span ended');
    const span = otel.spans().find((x) => x.name === `process ${channel}`);
    assert.ok(span !== undefined && span.ended, 'the process span was ended, not left open');
  });

  it('turns on metrics alone (no span, no trace field) or tracing alone (no measurement)', async () => {
    const channel = uniqueChannel('alone');
    const metricsOnly = redis.streamer('metrics-only');
    instrument(metricsOnly, { ...providers, tracing: false, observeStats: false });
    await metricsOnly.sendMessage(channel, { name: 'n', body: 1 });
    assert.equal(sendSpans(channel), 0);
    assert.deepEqual(await fieldsOfLast(channel), ['name', 'n', 'body', '1']);
    const here = { 'messaging.destination.name': channel };
    assert.equal(total(await otel.metrics(), 'messaging.client.sent.messages', here), 1);
    const tracingOnly = redis.streamer('tracing-only');
    instrument(tracingOnly, { ...providers, metrics: false });
    await tracingOnly.sendMessage(channel, { name: 'n', body: 2 });
    assert.equal(sendSpans(channel), 1);
    assert.equal(total(await otel.metrics(), 'messaging.client.sent.messages', here), 1);
  });

  it('uses the given propagator, else the global one when registered (else W3C)', async () => {
    const channel = uniqueChannel('propagators');
    const custom = (field: string) => ({
      inject(ctx: Context, carrier: unknown, setter: TextMapSetter) {
        setter.set(carrier, field, trace.getSpanContext(ctx)?.spanId ?? 'none');
      },
      extract: (ctx: Context, _carrier: unknown, _getter: TextMapGetter) => ctx,
      fields: () => [field],
    });
    const given = redis.streamer('given-propagator');
    instrument(given, { ...providers, propagator: custom('x-given') });
    await given.sendMessage(channel, { name: 'n', body: 1 });
    assert.deepEqual((await fieldsOfLast(channel)).slice(4, 5), ['x-given']);

    // Without a global propagator: W3C. With one registered (even later): the global one.
    const global = redis.streamer('global-propagator');
    instrument(global, providers);
    await global.sendMessage(channel, { name: 'n', body: 2 });
    assert.deepEqual((await fieldsOfLast(channel)).slice(4, 5), ['traceparent']);
    propagation.setGlobalPropagator(custom('x-global'));
    try {
      await global.sendMessage(channel, { name: 'n', body: 3 });
      assert.deepEqual((await fieldsOfLast(channel)).slice(4, 5), ['x-global']);
    } finally {
      propagation.disable();
    }
  });

  it('defaults to the global tracer provider, even one registered after instrument()', async () => {
    const channel = uniqueChannel('global-tracer');
    const s = redis.streamer('global-tracer-pub');
    instrument(s, { meterProvider: otel.meterProvider });
    trace.setGlobalTracerProvider(otel.tracerProvider);
    try {
      await s.sendMessage(channel, { name: 'n', body: 1 });
      assert.equal(sendSpans(channel), 1);
    } finally {
      trace.disable();
    }
  });
});

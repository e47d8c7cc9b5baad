/**
 * The built-in W3C propagator (used when the application registered none) against the SDK's own
 * W3CTraceContextPropagator and W3CBaggagePropagator: what one writes the other reads, both ways;
 * malformed headers are ignored as the SDK ignores them. A unit test: no Redis.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createTraceState,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { w3cPropagator } from '../../src/otel/index.js';

const sdk = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });

function contextWith(flags: TraceFlags, state?: string, baggage?: Record<string, string>): Context {
  let ctx = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: flags,
    ...(state === undefined ? {} : { traceState: createTraceState(state) }),
  });
  if (baggage !== undefined) {
    const entries = Object.fromEntries(Object.entries(baggage).map(([k, v]) => [k, { value: v }]));
    ctx = propagation.setBaggage(ctx, propagation.createBaggage(entries));
  }
  return ctx;
}

function summary(ctx: Context): object {
  const span = trace.getSpanContext(ctx);
  const baggage = propagation.getBaggage(ctx);
  return {
    span:
      span === undefined
        ? undefined
        : { traceId: span.traceId, spanId: span.spanId, flags: span.traceFlags, state: span.traceState?.serialize() },
    baggage:
      baggage === undefined ? undefined : Object.fromEntries(baggage.getAllEntries().map(([k, e]) => [k, e.value])),
  };
}

describe('the built-in W3C propagator', () => {
  const cases = [
    contextWith(TraceFlags.SAMPLED),
    contextWith(TraceFlags.NONE, 'vendor=opaque,other=1'),
    contextWith(TraceFlags.SAMPLED, undefined, { tenant: 'acme', 'user id': 'a b,c;d=é' }),
  ];

  it('writes what the SDK writes', () => {
    for (const ctx of cases) {
      const ours: Record<string, string> = {};
      const theirs: Record<string, string> = {};
      w3cPropagator.inject(ctx, ours, defaultTextMapSetter);
      sdk.inject(ctx, theirs, defaultTextMapSetter);
      assert.deepEqual(summary(sdk.extract(ROOT_CONTEXT, ours, defaultTextMapGetter)), summary(ctx));
      assert.deepEqual(ours['traceparent'], theirs['traceparent']);
      assert.deepEqual(ours['tracestate'], theirs['tracestate']);
      assert.deepEqual(ours['baggage'], theirs['baggage']);
    }
  });

  it('reads what the SDK writes', () => {
    for (const ctx of cases) {
      const carrier: Record<string, string> = {};
      sdk.inject(ctx, carrier, defaultTextMapSetter);
      const read = w3cPropagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      assert.deepEqual(summary(read), summary(sdk.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter)));
      assert.equal(trace.getSpanContext(read)?.isRemote, true);
    }
  });

  it('ignores malformed or invalid headers, as the SDK does', () => {
    const bad = [
      'garbage',
      '00-00000000000000000000000000000000-b7ad6b7169203331-01', // zero trace id
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01', // zero span id
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', // version ff
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra', // version 00 with more
      '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01', // upper case
    ];
    for (const traceparent of bad) {
      const carrier = { traceparent, baggage: '=x,%zz=1' };
      assert.deepEqual(
        summary(w3cPropagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter)),
        summary(sdk.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter)),
        traceparent,
      );
    }
  });

  it('names its fields', () => {
    assert.deepEqual(w3cPropagator.fields(), ['traceparent', 'tracestate', 'baggage']);
  });
});

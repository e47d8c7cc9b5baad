/**
 * OpenTelemetry as an application sets it up with the Node SDK's defaults, for the otel scenario:
 * the AsyncLocalStorage context manager, W3C Trace Context and Baggage as the global propagator,
 * a tracer provider that records every span (AlwaysOn sampler) and hands them in batches to an
 * exporter that drops them, and a meter provider whose reader is never collected during the run.
 * Loaded only by the "on" measurements, so the "off" ones never load OpenTelemetry.
 */
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { RedisStreamer } from '../src/index.js';
import { instrument } from '../src/otel/index.js';

/** Drops every span (the cost of a real exporter is the exporter's, not the library's). */
const noopExporter: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
};

class IdleReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Sets OpenTelemetry up; returns how to instrument a streamer, and how to flush and stop. */
export function otelSetup(): {
  instrument: (s: RedisStreamer) => void;
  shutdown: () => Promise<void>;
  tracerProvider: BasicTracerProvider;
  meterProvider: MeterProvider;
} {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  const tracerProvider = new BasicTracerProvider({
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new BatchSpanProcessor(noopExporter)],
  });
  const meterProvider = new MeterProvider({ readers: [new IdleReader()] });
  return {
    tracerProvider,
    meterProvider,
    instrument: (s) => void instrument(s, { tracerProvider, meterProvider }),
    shutdown: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

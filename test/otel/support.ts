/**
 * OpenTelemetry for the tests: a tracer provider that records every span (AlwaysOn sampler, an
 * in-memory exporter), a meter provider read on demand, and the AsyncLocalStorage context manager
 * (what the Node SDK registers), so contexts follow async handlers as in an application.
 */
import { context, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

/** A reader that collects when asked. */
class OnDemandReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Providers for one test, and what they recorded. */
export interface Telemetry {
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  /** The spans ended so far. */
  spans(): ReadableSpan[];
  /** The metrics now. */
  metrics(): Promise<MetricData[]>;
  shutdown(): Promise<void>;
}

export function telemetry(): Telemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracerProvider,
    meterProvider,
    spans: () => exporter.getFinishedSpans(),
    async metrics() {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw errors[0];
      return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** The data points of a metric (none when it was not recorded). */
export function points<T = number>(metrics: readonly MetricData[], name: string): DataPoint<T>[] {
  return (metrics.find((m) => m.descriptor.name === name)?.dataPoints ?? []) as DataPoint<T>[];
}

/** The sum of a counter's points whose attributes include `where`. */
export function total(metrics: readonly MetricData[], name: string, where: Record<string, unknown> = {}): number {
  return points(metrics, name)
    .filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v))
    .reduce((sum, p) => sum + p.value, 0);
}

/** The count of a histogram's points whose attributes include `where`. */
export function histogramCount(
  metrics: readonly MetricData[],
  name: string,
  where: Record<string, unknown> = {},
): number {
  return points<Histogram>(metrics, name)
    .filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v))
    .reduce((sum, p) => sum + p.value.count, 0);
}

/** A span context as compared in assertions. */
export function ids(span: SpanContext | undefined): string {
  return span === undefined ? 'none' : `${span.traceId}/${span.spanId}`;
}

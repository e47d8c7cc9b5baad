/**
 * `instrument(streamer)`: OpenTelemetry traces and metrics for one streamer, turned on once, through
 * the streamer's public extension point (a set of hooks given to `use()`), so it works whatever
 * carries the entries (a Redis server, a cluster, the test kit's in-memory transport) and composes
 * with typed channels, middleware and framework transports.
 */
import { metrics, trace } from '@opentelemetry/api';
import { ConfigError, type RedisStreamer, type StreamerHooks } from '../index.js';
import { ProcessSpans } from './consumer.js';
import { Measures } from './metrics.js';
import { resolveInstrumentOptions, show, type InstrumentOptions } from './options.js';
import { publishHook } from './producer.js';
import { fieldPropagation } from './propagation.js';
import { observeStats, type StopObserving } from './stats-instruments.js';
import type { Tracing } from './tracing.js';

/** The instrumentation scope's name and version (of this library). */
const SCOPE = 'redis-streamer';
const SCOPE_VERSION = '0.1.0';

/** What {@link instrument} returns. */
export interface Instrumentation {
  /**
   * Stops it: no more spans or measurements for this streamer, and its stats are no longer read at
   * collections. The hooks stay registered (a streamer keeps what was given to `use()`) and pass
   * every call through. The streamer may be instrumented again afterwards.
   */
  close(): void;
}

/** Streamers instrumented now (an instrumentation not closed). */
const instrumented = new WeakSet<RedisStreamer>();

/**
 * Turns on OpenTelemetry tracing and metrics for a streamer: call it once, before
 * `persistConsume()` (consume loops pick up handling hooks when they start; publishing is traced
 * from the next call). See docs/observability.md for the spans, the metrics and their attributes.
 * @throws ConfigError when `streamer` is not a RedisStreamer, is already instrumented, or an option
 *   is wrong.
 */
export function instrument(streamer: RedisStreamer, options: InstrumentOptions = {}): Instrumentation {
  if (typeof (streamer as Partial<RedisStreamer> | null)?.use !== 'function') {
    throw new ConfigError(`instrument(): the first argument must be a RedisStreamer; got ${show(streamer)}`);
  }
  const o = resolveInstrumentOptions(options);
  if (instrumented.has(streamer)) {
    throw new ConfigError(
      'instrument(): this streamer is already instrumented; call close() on that instrumentation first',
    );
  }
  let open = true;
  const isOpen = (): boolean => open;
  const tracing: Tracing | undefined = o.tracing
    ? {
        tracer: (o.tracerProvider ?? trace).getTracer(SCOPE, SCOPE_VERSION),
        propagation: fieldPropagation(o.propagator),
        client: streamer.consumer,
        parentFromMessage: o.parentFromMessage,
        createSpans: o.createSpans,
      }
    : undefined;
  const meter = o.metrics ? (o.meterProvider ?? metrics).getMeter(SCOPE, SCOPE_VERSION) : undefined;
  const measures = meter === undefined ? undefined : new Measures(meter);
  streamer.use({
    ...hooks(tracing === undefined ? undefined : new ProcessSpans(tracing), measures, isOpen),
    aroundPublish: publishHook(tracing, measures, isOpen),
  });
  const stop: StopObserving | undefined =
    meter !== undefined && o.observeStats ? observeStats(meter, streamer) : undefined;
  instrumented.add(streamer);
  return {
    close() {
      if (!open) return;
      open = false;
      stop?.();
      measures?.stop();
      instrumented.delete(streamer);
    },
  };
}

/** The handling, dead-letter and log hooks. */
function hooks(spans: ProcessSpans | undefined, measures: Measures | undefined, open: () => boolean): StreamerHooks {
  return {
    ...(spans === undefined
      ? {}
      : {
          aroundHandle: (event, next) => (open() ? spans.start(event, next) : next()),
          onDeadLetter: (event) => void (open() && spans.deadLettered(event)),
          logFields: (context) => spans.logFields(context),
        }),
    // A span started before close() still ends (the spans know which they started).
    onHandled: (event) => {
      spans?.handled(event);
      if (open()) measures?.processed(event.context, event.durationMs, undefined);
    },
    onFailed: (event) => {
      spans?.failed(event);
      if (open()) measures?.processed(event.context, event.durationMs, { error: event.errors[0] });
    },
  };
}

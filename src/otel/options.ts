/**
 * The options of {@link instrument}, with their defaults, checked at the call for JavaScript callers
 * (a wrong one is a ConfigError naming it, never ignored).
 */
import type { MeterProvider, TextMapPropagator, TracerProvider } from '@opentelemetry/api';
import { ConfigError } from '../index.js';

/** Options of `instrument(streamer, options)`. */
export interface InstrumentOptions {
  /**
   * Where spans go.
   * @default the global tracer provider (the one the Node SDK registers, even when registered later)
   */
  readonly tracerProvider?: TracerProvider;
  /**
   * Where measurements go.
   * @default the global meter provider, as registered when `instrument()` is called
   */
  readonly meterProvider?: MeterProvider;
  /**
   * How trace context is written into and read from an entry's fields.
   * @default the global propagator when one is registered, else W3C Trace Context and Baggage
   */
  readonly propagator?: TextMapPropagator;
  /**
   * Spans: `send`, `create`, `process` and `dead_letter`, and trace context in the entries.
   * @default true
   */
  readonly tracing?: boolean;
  /**
   * Metrics: the messaging conventions' counters and histograms, and (see `observeStats`) the
   * streamer's counters and its groups' gauges.
   * @default true
   */
  readonly metrics?: boolean;
  /**
   * With metrics: observable instruments read from `getStats()` at each collection (the library's
   * counters; lag, pending, oldest pending age, consumers and dead letters per group). Each
   * collection asks Redis once per subscribed channel.
   * @default true
   */
  readonly observeStats?: boolean;
  /**
   * A `process` span is a child of the message's creation context (one trace from producer to
   * consumer), and still links to it. Otherwise it starts a trace of its own, linked to the
   * creation context, as the conventions recommend by default.
   * @default false
   */
  readonly parentFromMessage?: boolean;
  /**
   * For `sendMessages`: a `create` span per message, whose context each message carries, and a
   * `send` span (kind CLIENT) linking them, as the conventions recommend for batch APIs. With
   * `false`, one `send` span (kind PRODUCER) whose context every message of the batch carries.
   * `sendMessage` always makes one `send` span (PRODUCER).
   * @default true
   */
  readonly createSpans?: boolean;
}

/** The options with their defaults. */
export interface ResolvedInstrumentOptions {
  readonly tracerProvider: TracerProvider | undefined;
  readonly meterProvider: MeterProvider | undefined;
  readonly propagator: TextMapPropagator | undefined;
  readonly tracing: boolean;
  readonly metrics: boolean;
  readonly observeStats: boolean;
  readonly parentFromMessage: boolean;
  readonly createSpans: boolean;
}

const BOOLEANS = ['tracing', 'metrics', 'observeStats', 'parentFromMessage', 'createSpans'] as const;
const OBJECTS: Readonly<Record<string, readonly string[]>> = {
  tracerProvider: ['getTracer'],
  meterProvider: ['getMeter'],
  propagator: ['inject', 'extract', 'fields'],
};

/** Checks the options and applies the defaults. */
export function resolveInstrumentOptions(options: unknown): ResolvedInstrumentOptions {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError(`instrument(): the options (second argument) must be an object; got ${show(options)}`);
  }
  const o = options as Record<string, unknown>;
  const known = [...BOOLEANS, ...Object.keys(OBJECTS)];
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) {
      throw new ConfigError(`instrument(): unknown option \`${key}\` (the options are ${known.join(', ')})`);
    }
  }
  for (const key of BOOLEANS) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') {
      throw new ConfigError(`instrument(): option \`${key}\` must be a boolean; got ${show(o[key])}`);
    }
  }
  for (const [key, methods] of Object.entries(OBJECTS)) {
    const value = o[key];
    if (value === undefined) continue;
    const missing = methods.find((m) => typeof (value as Record<string, unknown> | null)?.[m] !== 'function');
    if (missing !== undefined) {
      throw new ConfigError(
        `instrument(): option \`${key}\` must be an object with ${methods.join(', ')} (from @opentelemetry/api or an SDK); got ${show(value)}`,
      );
    }
  }
  const resolved: ResolvedInstrumentOptions = {
    tracerProvider: o['tracerProvider'] as TracerProvider | undefined,
    meterProvider: o['meterProvider'] as MeterProvider | undefined,
    propagator: o['propagator'] as TextMapPropagator | undefined,
    tracing: (o['tracing'] as boolean | undefined) ?? true,
    metrics: (o['metrics'] as boolean | undefined) ?? true,
    observeStats: (o['observeStats'] as boolean | undefined) ?? true,
    parentFromMessage: (o['parentFromMessage'] as boolean | undefined) ?? false,
    createSpans: (o['createSpans'] as boolean | undefined) ?? true,
  };
  if (!resolved.tracing && !resolved.metrics) {
    throw new ConfigError('instrument(): `tracing` and `metrics` are both false: there is nothing to turn on');
  }
  return resolved;
}

/** A value as an error message shows it. */
export function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return `${typeof value} ${value}`;
  return typeof value;
}

/// <reference types="node" preserve="true" />
/**
 * redis-streamer/otel: OpenTelemetry traces and metrics for a streamer, following the messaging
 * semantic conventions (v1.44.0). Needs `@opentelemetry/api` (an optional peer dependency); the
 * core never imports this subpath, nor the API.
 *
 * ```ts
 * import { instrument } from 'redis-streamer/otel';
 * instrument(streamer); // the global tracer and meter providers (the Node SDK's)
 * ```
 *
 * @module redis-streamer/otel
 */
export { instrument, type Instrumentation } from './instrument.js';
export type { InstrumentOptions } from './options.js';
export { MESSAGING_SYSTEM, SEMCONV_VERSION } from './attributes.js';
export { w3cPropagator } from './w3c.js';

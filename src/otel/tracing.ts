/**
 * What the span-making hooks share: the tracer, how trace context travels in fields, the options
 * that shape the spans, and how a span ends.
 */
import { SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, errorType } from './attributes.js';
import type { Failure } from './metrics.js';
import type { FieldPropagation } from './propagation.js';
import { describeThrown } from '../index.js';

/** The tracing side of an instrumentation. */
export interface Tracing {
  readonly tracer: Tracer;
  readonly propagation: FieldPropagation;
  /** `messaging.client.id`: the streamer's consumer instance name. */
  readonly client: string;
  /** A process span is a child of the message's creation context (else linked only). */
  readonly parentFromMessage: boolean;
  /** sendMessages: create spans per message. */
  readonly createSpans: boolean;
}

/** Ends a span, with `error.type`, the exception and an error status when it failed. */
export function endSpan(span: Span, failure: Failure | undefined): void {
  if (failure !== undefined) failSpan(span, failure.error);
  span.end();
}

/** Marks a span failed: `error.type`, the exception recorded, an error status with its message. */
export function failSpan(span: Span, error: unknown): void {
  span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: recordThrown(span, error) });
}

/**
 * Records what was thrown as the span's `exception` event (a value that is not an Error by its
 * text), and returns its message.
 */
export function recordThrown(span: Span, error: unknown): string {
  const text = describeThrown(error);
  span.recordException(error instanceof Error ? error : text);
  return text;
}

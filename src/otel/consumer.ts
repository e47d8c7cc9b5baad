/**
 * The consumer side: a `process <channel>` span (CONSUMER) per handling of an entry, in whose
 * context the handlers run (their own spans are its children); a `dead_letter <channel>` span
 * (CLIENT, a settlement) per entry moved to the dead-letter stream; and the trace and span ids on
 * the library's log line about a failing entry.
 *
 * The creation context is read from the entry's fields: the process span links to it (and, with
 * `parentFromMessage`, is its child); an entry without one (a dtpyfw publisher, a raw XADD) starts
 * a new trace. Baggage from the entry is in the handlers' context either way. The span starts in
 * `aroundHandle` and ends in `onHandled`/`onFailed`, which run just outside it: there the
 * delivery's decision is known and recorded as a span event (`messaging.redis.ack`,
 * `messaging.redis.retry` or `messaging.redis.dead_letter`).
 */
import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Attributes,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import type { DeadLetterEvent, FailedHookEvent, HandledHookEvent, HandleHookEvent, MessageContext } from '../index.js';
import {
  ATTR_ATTEMPT,
  ATTR_DESTINATION,
  ATTR_DLQ_ID,
  ATTR_DLQ_REASON,
  ATTR_GROUP,
  ATTR_MESSAGE_ID,
  ATTR_OPERATION_NAME,
  ATTR_OPERATION_TYPE,
  ATTR_REPLAY_ID,
  ATTR_SOURCE,
  ATTR_SYSTEM,
  DEAD_LETTER,
  EVENT_ACK,
  EVENT_DEAD_LETTER,
  EVENT_RETRY,
  MESSAGING_SYSTEM,
  PROCESS,
  SETTLE,
} from './attributes.js';
import { failSpan, recordThrown, type Tracing } from './tracing.js';

/** Process spans whose entry is about to be dead-lettered, kept to parent its dead_letter span. */
const MAX_AWAITING_DEAD_LETTER = 1000;

/** The entry's id in the channel (a replayed entry's original id). */
function channelId(c: MessageContext): string {
  return c.source === 'replay' ? (c.fields['rs-replay-of'] ?? c.id) : c.id;
}

/** The spans of a streamer's handling. */
export class ProcessSpans {
  /**
   * The process spans started and not ended yet, by the context the handlers got: `onHandled` or
   * `onFailed` always follows `aroundHandle` in the same set of hooks and removes it. (A Map, not a
   * WeakMap: short-lived keys in a WeakMap cost the garbage collector several µs per message.)
   */
  private readonly open = new Map<MessageContext, Span>();
  /** Failed handlings' spans, for the log line written about them after the hooks ran. */
  private readonly failedSpans = new WeakMap<MessageContext, Span>();
  /** `<group>\n<id>` → the last process span of an entry that will be dead-lettered. */
  private readonly awaitingDeadLetter = new Map<string, SpanContext>();

  constructor(private readonly tracing: Tracing) {}

  /** aroundHandle: starts the process span and runs the handling in its context. */
  start(event: HandleHookEvent, next: () => Promise<void>): Promise<void> {
    const c = event.context;
    const extracted = this.tracing.propagation.extract(ROOT_CONTEXT, c.fields);
    const creation = trace.getSpanContext(extracted);
    const linked = creation !== undefined && isSpanContextValid(creation);
    // Linked only: a new trace, with the message's baggage if it has any (each context costs a copy).
    let parent = extracted;
    if (linked && !this.tracing.parentFromMessage) {
      parent = propagation.getBaggage(extracted) === undefined ? ROOT_CONTEXT : trace.deleteSpan(extracted);
    }
    // Literal keys: the attributes are built for every message.
    const attributes: Attributes = {
      'messaging.system': MESSAGING_SYSTEM,
      'messaging.operation.name': PROCESS,
      'messaging.operation.type': PROCESS,
      'messaging.destination.name': c.channel,
      'messaging.consumer.group.name': c.group,
      'messaging.message.id': channelId(c),
      'messaging.client.id': c.consumer,
      'messaging.redis.message.delivery_attempt': c.attempt,
      'messaging.redis.message.name': event.name,
    };
    if (c.source === 'replay') {
      attributes[ATTR_SOURCE] = c.source;
      attributes[ATTR_REPLAY_ID] = c.id;
    }
    const span = this.tracing.tracer.startSpan(
      `${PROCESS} ${c.channel}`,
      linked
        ? { kind: SpanKind.CONSUMER, attributes, links: [{ context: creation }] }
        : { kind: SpanKind.CONSUMER, attributes },
      parent,
    );
    this.open.set(c, span);
    return context.with(trace.setSpan(parent, span), next);
  }

  /** onHandled: the entry is settled (acknowledged, in at-least-once mode). */
  handled(event: HandledHookEvent): void {
    const span = this.open.get(event.context);
    if (span === undefined) return;
    this.open.delete(event.context);
    if (event.acknowledged) span.addEvent(EVENT_ACK);
    span.end();
  }

  /** onFailed: the span fails, and says whether the entry will be retried or dead-lettered. */
  failed(event: FailedHookEvent): void {
    const c = event.context;
    const span = this.open.get(c);
    if (span === undefined) return;
    this.open.delete(c);
    this.failedSpans.set(c, span);
    failSpan(span, event.errors[0]);
    for (const extra of event.errors.slice(1)) recordThrown(span, extra);
    span.addEvent(event.willRetry ? EVENT_RETRY : EVENT_DEAD_LETTER, { [ATTR_ATTEMPT]: c.attempt });
    span.end();
    if (!event.willRetry) this.awaitDeadLetter(`${c.group}\n${channelId(c)}`, span.spanContext());
  }

  /**
   * onDeadLetter: a `dead_letter` span, a child of the entry's last process span when there was one
   * (an entry that could not be decoded, or exhausted its attempts on a takeover, never ran) and
   * linked to its creation context.
   */
  deadLettered(event: DeadLetterEvent): void {
    const key = `${event.group}\n${event.id}`;
    const processed = this.awaitingDeadLetter.get(key);
    this.awaitingDeadLetter.delete(key);
    const parent = processed === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, processed);
    const creation = trace.getSpanContext(this.tracing.propagation.extract(ROOT_CONTEXT, event.fields));
    const links = creation !== undefined && isSpanContextValid(creation) ? [{ context: creation }] : [];
    const span = this.tracing.tracer.startSpan(
      `${DEAD_LETTER} ${event.channel}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_SYSTEM]: MESSAGING_SYSTEM,
          [ATTR_OPERATION_NAME]: DEAD_LETTER,
          [ATTR_OPERATION_TYPE]: SETTLE,
          [ATTR_DESTINATION]: event.channel,
          [ATTR_GROUP]: event.group,
          [ATTR_MESSAGE_ID]: event.id,
          [ATTR_ATTEMPT]: event.attempts,
          [ATTR_DLQ_REASON]: event.reason,
          [ATTR_DLQ_ID]: event.deadLetterId,
        },
        links,
      },
      parent,
    );
    span.end();
  }

  /** logFields: the ids of the handling's process span. */
  logFields(c: MessageContext): Record<string, string> | undefined {
    const span = this.failedSpans.get(c) ?? this.open.get(c);
    if (span === undefined) return undefined;
    const { traceId, spanId } = span.spanContext();
    return { trace_id: traceId, span_id: spanId };
  }

  private awaitDeadLetter(key: string, span: SpanContext): void {
    this.awaitingDeadLetter.delete(key);
    this.awaitingDeadLetter.set(key, span);
    if (this.awaitingDeadLetter.size <= MAX_AWAITING_DEAD_LETTER) return;
    const oldest = this.awaitingDeadLetter.keys().next().value;
    if (oldest !== undefined) this.awaitingDeadLetter.delete(oldest);
  }
}

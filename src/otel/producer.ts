/**
 * The producer side: an `aroundPublish` hook that makes the spans of a publish call and writes the
 * creation context into each message's fields before the append, then times it.
 *
 * - `sendMessage`: one `send <channel>` span (PRODUCER) whose context the message carries; its
 *   `messaging.message.id` is the entry id.
 * - `sendMessages`: a `create <channel>` span (PRODUCER) per message, whose context that message
 *   carries, and one `send <channel>` span (CLIENT) linking them, with `messaging.batch.message_count`;
 *   with `createSpans: false`, one `send` span (PRODUCER) whose context every message carries.
 *
 * The `send` span covers the append (and the replica wait, if any) and ends when the publish
 * resolves or rejects (then with `error.type` and an error status). A message that already carries
 * a `traceparent` (an outer hook's) keeps it; the `send` span links to it.
 */
import {
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import type { PublishCallEvent, StreamerHooks } from '../index.js';
import {
  ATTR_BATCH_COUNT,
  ATTR_CLIENT_ID,
  ATTR_DESTINATION,
  ATTR_MESSAGE_ID,
  ATTR_OPERATION_NAME,
  ATTR_OPERATION_TYPE,
  ATTR_SYSTEM,
  CREATE,
  MESSAGING_SYSTEM,
  SEND,
} from './attributes.js';
import type { Failure, Measures } from './metrics.js';
import { endSpan, type Tracing } from './tracing.js';
import { TRACEPARENT } from './w3c.js';

type AroundPublish = NonNullable<StreamerHooks['aroundPublish']>;

/** The spans of one publish call, started. */
interface SendSpans {
  /** The context `next()` runs in (the send span's). */
  readonly context: Context;
  /** Ends them: with the ids, or with the failure. */
  end(ids: readonly string[] | undefined, failure: Failure | undefined): void;
}

/** The aroundPublish hook; `open()` false makes it pass the call through untouched. */
export function publishHook(
  tracing: Tracing | undefined,
  measures: Measures | undefined,
  open: () => boolean,
): AroundPublish {
  return (event, next) => {
    if (!open()) return next();
    const started = performance.now();
    const spans = tracing === undefined ? undefined : startSend(tracing, event);
    const run = spans === undefined ? next() : context.with(spans.context, next);
    return run.then(
      (ids) => {
        spans?.end(ids, undefined);
        measures?.published(event.channel, event.messages.length, performance.now() - started, undefined);
        return ids;
      },
      (error: unknown) => {
        spans?.end(undefined, { error });
        measures?.published(event.channel, event.messages.length, performance.now() - started, { error });
        throw error;
      },
    );
  };
}

function startSend(tracing: Tracing, event: PublishCallEvent): SendSpans {
  const { channel, fields, batch } = event;
  const parent = context.active();
  const attributes = (operation: string, extra?: Attributes): Attributes => ({
    [ATTR_SYSTEM]: MESSAGING_SYSTEM,
    [ATTR_OPERATION_NAME]: operation,
    [ATTR_OPERATION_TYPE]: operation,
    [ATTR_DESTINATION]: channel,
    [ATTR_CLIENT_ID]: tracing.client,
    ...extra,
  });
  const links = givenContexts(tracing, fields);
  const batchCount = batch ? { [ATTR_BATCH_COUNT]: fields.length } : undefined;
  if (batch && tracing.createSpans) {
    const creates: Span[] = [];
    for (const f of fields) {
      if (f[TRACEPARENT] !== undefined) continue;
      const create = tracing.tracer.startSpan(
        `${CREATE} ${channel}`,
        { kind: SpanKind.PRODUCER, attributes: attributes(CREATE) },
        parent,
      );
      tracing.propagation.inject(trace.setSpan(parent, create), f);
      links.push({ context: create.spanContext() });
      creates.push(create);
    }
    for (const create of creates) create.end();
    const send = tracing.tracer.startSpan(
      `${SEND} ${channel}`,
      { kind: SpanKind.CLIENT, attributes: attributes(SEND, batchCount), links },
      parent,
    );
    return { context: trace.setSpan(parent, send), end: (_ids, failure) => endSpan(send, failure) };
  }
  const send = tracing.tracer.startSpan(
    `${SEND} ${channel}`,
    { kind: SpanKind.PRODUCER, attributes: attributes(SEND, batchCount), ...(links.length > 0 ? { links } : {}) },
    parent,
  );
  const sendContext = trace.setSpan(parent, send);
  for (const f of fields) if (f[TRACEPARENT] === undefined) tracing.propagation.inject(sendContext, f);
  return {
    context: sendContext,
    end: (ids, failure) => {
      if (!batch && ids?.[0] !== undefined) send.setAttribute(ATTR_MESSAGE_ID, ids[0]);
      endSpan(send, failure);
    },
  };
}

/** Links to the creation contexts messages already carry (from an outer hook). */
function givenContexts(tracing: Tracing, fields: readonly Record<string, string>[]): Link[] {
  const links: Link[] = [];
  for (const f of fields) {
    if (f[TRACEPARENT] === undefined) continue;
    const given = trace.getSpanContext(tracing.propagation.extract(ROOT_CONTEXT, f));
    if (given !== undefined && isSpanContextValid(given)) links.push({ context: given });
  }
  return links;
}

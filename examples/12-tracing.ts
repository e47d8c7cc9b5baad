/**
 * Example 12: distributed tracing with OpenTelemetry (`redis-streamer/otel`).
 *
 * `instrument(streamer)` adds spans that follow the OpenTelemetry messaging conventions: a
 * `send <channel>` span (PRODUCER) around each publish, whose trace context travels in the entry
 * as a `traceparent` field, and a `process <channel>` span (CONSUMER) around each handling, linked
 * to it (with `parentFromMessage: true`, as here, also its child: one trace from the shop to
 * billing). Handlers run inside the process span, so their own spans (an HTTP call, a query)
 * nest under it.
 *
 * In production the Node SDK exports the spans (see docs/observability.md); here they go to the
 * SDK's in-memory exporter and are printed.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/12-tracing.ts
 */
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createClient } from 'redis';
import { RedisStreamer } from 'redis-streamer';
import { instrument } from 'redis-streamer/otel';

const url = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
const orders = `example.orders.${process.pid}`; // a channel of this run only

// What the Node SDK sets up: a context manager (so contexts follow async code) and a provider.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

const billing = new RedisStreamer(url, 'billing');
instrument(billing, { tracerProvider, metrics: false, parentFromMessage: true });
let finish = (): void => {};
const done = new Promise<void>((resolve) => (finish = resolve));
await billing.subscribe(orders);
billing.registerHandler(orders, (name: string, order: { orderId: string }, ctx) => {
  const active = trace.getActiveSpan()?.spanContext();
  const carried = ctx.fields['traceparent']?.split('-')[1]; // version-traceid-spanid-flags
  console.log(`billing got ${name} ${JSON.stringify(order)}`);
  console.log(`  the entry carries a traceparent: ${carried !== undefined}`);
  console.log(`  the handler runs in the producer's trace: ${active?.traceId === carried}`);
  finish();
});
const consuming = billing.persistConsume({ blockMs: 1000 });

const shop = new RedisStreamer(url, 'shop');
instrument(shop, { tracerProvider, metrics: false });
await shop.sendMessage(orders, { name: 'order.created', body: { orderId: 'o-1' } });
await done;
await Promise.all([billing.close(), shop.close()]); // the process span ends once the handling is done
await consuming;

const spans = exporter.getFinishedSpans();
const send = spans.find((s) => s.name === `send ${orders}`);
for (const span of spans) {
  const name = span.name.replace(orders, 'orders');
  const parent = span.parentSpanContext?.spanId === send?.spanContext().spanId ? ', child of send orders' : '';
  const attributes = ['messaging.system', 'messaging.operation.name', 'messaging.redis.message.name']
    .filter((key) => span.attributes[key] !== undefined)
    .map((key) => `${key}=${String(span.attributes[key])}`);
  console.log(`span ${name} (${SpanKind[span.kind]}${parent}): ${attributes.join(' ')}`);
}
await tracerProvider.shutdown();
await removeChannels(url, orders);

/** Deletes the channels and the keys the library keeps beside them (`{channel}:...`): Redis is left as it was. */
async function removeChannels(redisUrl: string, ...channels: string[]): Promise<void> {
  const redis = await createClient({ url: redisUrl }).connect();
  for (const channel of channels) await redis.del([channel, ...(await redis.keys(`{${channel}}:*`))]);
  await redis.close();
}

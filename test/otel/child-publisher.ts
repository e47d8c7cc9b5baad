/**
 * The publishing service of the cross-process tracing test, in a process of its own: it publishes
 * under an application span ("checkout", with baggage), one sendMessage and one sendMessages of
 * two, then prints the spans it recorded as one JSON line and exits by itself.
 */
import { context, propagation } from '@opentelemetry/api';
import { RedisStreamer, silentLogger } from '../../src/index.js';
import { instrument } from '../../src/otel/index.js';
import { telemetry } from './support.js';

const [url, channel] = process.argv.slice(2) as [string, string];
const otel = telemetry();
const streamer = new RedisStreamer(url, 'checkout-svc', { logger: silentLogger });
instrument(streamer, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider });
const tracer = otel.tracerProvider.getTracer('checkout');
const ids: string[] = [];
await tracer.startActiveSpan('checkout', async (span) => {
  const withBaggage = propagation.setBaggage(
    context.active(),
    propagation.createBaggage({ tenant: { value: 'acme' } }),
  );
  await context.with(withBaggage, async () => {
    ids.push(await streamer.sendMessage(channel, { name: 'order.created', body: { order: 1 } }));
    ids.push(
      ...(await streamer.sendMessages(channel, [
        { name: 'order.paid', body: { order: 1 } },
        { name: 'order.shipped', body: { order: 1 } },
      ])),
    );
  });
  span.end();
});
await streamer.cleanup();
const spans = otel.spans().map((s) => ({
  name: s.name,
  kind: s.kind,
  traceId: s.spanContext().traceId,
  spanId: s.spanContext().spanId,
  parentSpanId: s.parentSpanContext?.spanId,
  attributes: s.attributes,
  links: s.links.map((l) => l.context.spanId),
  status: s.status.code,
}));
await otel.shutdown();
process.stdout.write(`${JSON.stringify({ ids, spans })}\n`);

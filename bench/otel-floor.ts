/**
 * The OpenTelemetry SDK's own work per consumed message, without Redis and without the library: in
 * a process of its own, with the SDK set up as in the otel scenario (otel-setup.ts), the calls
 * redis-streamer/otel makes for each handled message, made directly: the trace context extracted
 * from the entry's fields through the global propagator, a CONSUMER span started with the same
 * attributes and link, the handler's turn run in its context, the span ended, and one record of
 * the duration histogram with the same attributes. Prints `{ cpuMicrosPerMessage }` as one JSON line.
 *
 * The otel scenario compares it with the library's cost per message with the subpath not loaded: it
 * bounds the ratio any integration making these calls can reach.
 *
 * argv: <messages>
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import { otelSetup } from './otel-setup.js';

const n = Number(process.argv[2]);
const setup = otelSetup();
const tracer = setup.tracerProvider.getTracer('redis-streamer', '0.1.0');
const histogram = setup.meterProvider.getMeter('redis-streamer', '0.1.0').createHistogram('messaging.process.duration');
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const getter = {
  get: (carrier: Record<string, string>, key: string) => carrier[key],
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
};
const metricAttributes: Attributes = {
  'messaging.system': 'redis',
  'messaging.operation.name': 'process',
  'messaging.operation.type': 'process',
  'messaging.destination.name': 'orders',
  'messaging.consumer.group.name': 'billing',
};
const handler = (): Promise<void> => Promise.resolve();

function one(i: number): Promise<void> {
  const fields = { name: 'bench.event', body: '{}', traceparent: TRACEPARENT };
  const extracted = propagation.extract(ROOT_CONTEXT, fields, getter);
  const creation = trace.getSpanContext(extracted);
  const started = performance.now();
  const span = tracer.startSpan(
    'process orders',
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'redis',
        'messaging.operation.name': 'process',
        'messaging.operation.type': 'process',
        'messaging.destination.name': 'orders',
        'messaging.consumer.group.name': 'billing',
        'messaging.message.id': `1700000000000-${i}`,
        'messaging.client.id': 'billing-1',
        'messaging.redis.message.delivery_attempt': 1,
        'messaging.redis.message.name': 'bench.event',
      },
      links: creation === undefined ? [] : [{ context: creation }],
    },
    ROOT_CONTEXT,
  );
  return context.with(trace.setSpan(ROOT_CONTEXT, span), handler).then(() => {
    span.end();
    histogram.record((performance.now() - started) / 1000, metricAttributes);
  });
}

async function run(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await one(i);
}

await run(Math.min(n, 20_000)); // warm up (JIT)
const cpu0 = process.cpuUsage();
await run(n);
const cpu = process.cpuUsage(cpu0);
await setup.shutdown();
console.log(JSON.stringify({ cpuMicrosPerMessage: (cpu.user + cpu.system) / n }));

/**
 * One measurement of the otel scenario, in a process of its own: with `off`, OpenTelemetry is never
 * loaded (as for an application without the subpath); with `on`, tracing and metrics are on (see
 * otel-setup.ts). Prints `{ rate, cpuMicrosPerMessage }` as one JSON line.
 *
 * argv: <redis url> <consume|batches|concurrent> <off|on> <messages>
 * - consume: a no-op handler over a stream filled beforehand (at-most-once), every entry carrying a
 *   traceparent field as a traced producer writes it (the same entries in both modes);
 * - batches: sendMessages in batches of 1000; concurrent: 1000 concurrent sendMessage calls at a time.
 */
// The client library of this run (RS_CLIENT, set by bench/run.ts for each pass).
import '../test/support/client-choice.js';
import { Redis } from 'ioredis';
import { RedisStreamer, silentLogger } from '../src/index.js';
import { body } from './support.js';

const [url, kind, mode, count] = process.argv.slice(2) as [string, string, 'off' | 'on', string];
const n = Number(count);
const otel = mode === 'on' ? (await import('./otel-setup.js')).otelSetup() : undefined;
const stream = `otel-${kind}-${mode}-${process.pid}`;
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

async function fill(client: Redis): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    const pipeline = client.pipeline();
    for (let k = i; k < Math.min(n, i + 1000); k++) {
      pipeline.xadd(stream, '*', 'name', 'bench.event', 'body', body(k), 'traceparent', TRACEPARENT);
    }
    await pipeline.exec();
  }
}

/** Consumes the filled stream with a no-op handler (at-most-once), timed from the start of the run. */
async function consume(): Promise<{ rate: number; cpuMicrosPerMessage: number }> {
  const streamer = new RedisStreamer(url, 'bench', { logger: silentLogger, delivery: 'at-most-once' });
  if (otel !== undefined) otel.instrument(streamer);
  await streamer.subscribe(stream, { startFromLatest: false });
  let count = 0;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => (finished = resolve));
  streamer.registerHandler(stream, () => {
    if (++count === n) finished();
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const run = streamer.persistConsume({ blockMs: 1000 });
  await done;
  const rate = n / ((performance.now() - t0) / 1000);
  const cpu = process.cpuUsage(cpu0);
  await streamer.cleanup();
  await run;
  return { rate, cpuMicrosPerMessage: (cpu.user + cpu.system) / n };
}

async function publish(): Promise<{ rate: number; cpuMicrosPerMessage: number }> {
  const streamer = new RedisStreamer(url, 'bench-pub', { logger: silentLogger });
  if (otel !== undefined) otel.instrument(streamer);
  const messages = Array.from({ length: n }, (_, i) => ({ name: 'bench.event', body: { i, user: `user-${i}` } }));
  await streamer.sendMessage(stream, { name: 'warmup', body: {} });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1000) {
    const slice = messages.slice(i, i + 1000);
    if (kind === 'batches') await streamer.sendMessages(stream, slice);
    else await Promise.all(slice.map((m) => streamer.sendMessage(stream, m)));
  }
  const rate = n / ((performance.now() - t0) / 1000);
  const cpu = process.cpuUsage(cpu0);
  await streamer.cleanup();
  return { rate, cpuMicrosPerMessage: (cpu.user + cpu.system) / n };
}

const client = new Redis(url);
let result: { rate: number; cpuMicrosPerMessage: number };
if (kind === 'consume') {
  await fill(client);
  result = await consume();
} else {
  result = await publish();
}
await client.del(stream);
client.disconnect();
await otel?.shutdown();
process.stdout.write(`${JSON.stringify(result)}\n`);

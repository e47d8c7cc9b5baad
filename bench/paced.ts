/**
 * A paced run: messages published at 1,000 msg/s (one per ms, round-robin over the channels) by
 * this process, consumed by bench/latency-consumer.ts in a child process (as a consuming service
 * would). Measures publish->handler latency (wall-clock stamps: handler time minus publish time),
 * the consumer's CPU time per message (process.cpuUsage(), user + system), and the connections it
 * holds (CLIENT LIST, by the library's connection names).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { RedisStreamer, silentLogger } from '../src/index.js';
import { channelNames, median, nextName, pause, quantile, wallNow, type BenchContext } from './support.js';

/** How long the paced warm-up publishes before measuring starts. */
const WARMUP_MS = 1000;

/** What to run. */
export interface PacedOptions {
  /** The library, or the hand-written blocking XREADGROUP loop (one channel). */
  readonly kind: 'library' | 'loop';
  readonly channels: number;
  /** How long to publish, at one message per ms. */
  readonly ms: number;
}

/** What a paced run measured. */
export interface PacedResult {
  /** Latency in ms. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Messages handled while measuring. */
  readonly messages: number;
  /** Consumer CPU time per message, µs. */
  readonly cpuMicrosPerMessage: number;
  /** Connections the consumer held (library only; 0 for the loop). */
  readonly connections: number;
}

/** One paced run. */
export async function paced(ctx: BenchContext, o: PacedOptions): Promise<PacedResult> {
  await ctx.client.flushall();
  const prefix = nextName(o.kind === 'loop' ? 'paced-loop' : 'paced');
  const service = `${prefix}-svc`;
  const channels = channelNames(prefix, o.channels);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/latency-consumer.ts', ctx.url, o.kind, service, prefix, String(o.channels)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  const next = (): Promise<string> => new Promise((resolve) => lines.once('line', resolve));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  if ((await next()) !== 'ready') throw new Error('the consumer did not start');
  const publisher = new RedisStreamer(ctx.url, 'bench-pub', { logger: silentLogger });
  // Warm-up: one message on every channel, then a second at the measured rate (the consumer's code
  // is compiled by then, as in a process that has run for a while); then every loop waits again.
  await Promise.all(channels.map((c) => publisher.sendMessage(c, { name: 'warmup', body: { t: wallNow() } })));
  await pause(300 + o.channels);
  await publish(publisher, channels, WARMUP_MS);
  await pause(300);
  child.stdin.write('go\n');
  let connections = 0;
  const counted = pause(o.ms / 2).then(async () => (connections = await connectionsOf(ctx, service)));
  await publish(publisher, channels, o.ms);
  await counted;
  await pause(300);
  const result = next();
  child.stdin.write('stop\n');
  const { samples, cpuMicros } = JSON.parse(await result) as { samples: number[]; cpuMicros: number };
  await exited;
  await publisher.cleanup();
  const sorted = samples.sort((a, b) => a - b);
  return {
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? NaN,
    messages: sorted.length,
    cpuMicrosPerMessage: cpuMicros / Math.max(1, sorted.length),
    connections: o.kind === 'loop' ? 0 : connections,
  };
}

/** One message per ms for `ms`, round-robin over the channels, each stamped with its publish time. */
async function publish(publisher: RedisStreamer, channels: readonly string[], ms: number): Promise<void> {
  const t0 = performance.now();
  let sent = 0;
  while (sent < ms) {
    const due = Math.min(ms, Math.floor(performance.now() - t0));
    while (sent < due) {
      const channel = channels[sent % channels.length]!;
      sent++;
      void publisher.sendMessage(channel, { name: 'tick', body: { t: wallNow() } });
    }
    await pause(1);
  }
}

/** The connections of a service, from CLIENT LIST (named redis-streamer:<service>:...). */
export async function connectionsOf(ctx: BenchContext, service: string): Promise<number> {
  const list = String(await ctx.client.client('LIST'));
  return list.split('\n').filter((line) => line.includes(` name=redis-streamer:${service}:`)).length;
}

/** The median of each figure over several paced runs (the most connections seen). */
export function medianOf(runs: readonly PacedResult[]): PacedResult {
  const mid = (pick: (r: PacedResult) => number): number => median(runs.map(pick));
  return {
    p50: mid((r) => r.p50),
    p99: mid((r) => r.p99),
    max: mid((r) => r.max),
    messages: mid((r) => r.messages),
    cpuMicrosPerMessage: mid((r) => r.cpuMicrosPerMessage),
    connections: Math.max(...runs.map((r) => r.connections)),
  };
}

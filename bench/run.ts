/**
 * `npm run bench`: measures the library beside its baselines in the same run, against a private
 * redis-server, prints a table with ratios and target checks, and writes bench/results.json.
 * Every figure is the median of RUNS runs. `npm run bench -- --smoke` runs tiny sizes once, to check
 * that the benchmark works (CI does that).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { Redis } from 'ioredis';
import { RedisStreamer, silentLogger, type RedisStreamerOptions, type SubscribeOptions } from '../src/index.js';
import { guardKey, ledgerKey } from '../src/naming.js';
import { startRedis } from '../test/support/redis-server.js';
import { handWrittenLoop, pipelinedXadd, seedPerMessagePath } from './baselines.js';

const SMOKE = process.argv.includes('--smoke');
const RUNS = SMOKE ? 1 : 3;
const CONSUME_N = SMOKE ? 2_000 : 200_000;
const SEED_N = SMOKE ? 500 : 20_000;
const PUBLISH_N = SMOKE ? 2_000 : 100_000;
const PUBLISH_SEQ_N = SMOKE ? 500 : 10_000;
const LATENCY_MS = SMOKE ? 1_000 : 5_000;
const MEMORY_N = SMOKE ? 1_000 : 100_000;
const SLOW_N: Record<number, number> = SMOKE ? { 1: 20, 50: 500, 200: 2_000 } : { 1: 200, 50: 5_000, 200: 20_000 };

const server = await startRedis({ args: ['--maxmemory-policy', 'noeviction'] });
const client = new Redis(server.url);
let streamNo = 0;

function body(i: number): string {
  // about 100 bytes
  return JSON.stringify({
    i,
    user: `user-${String(i).padStart(6, '0')}`,
    amount: 12.5,
    currency: 'EUR',
    ts: '2026-11-27T10:00:00.000Z',
  });
}

async function freshStream(fill: number): Promise<string> {
  const stream = `bench-${++streamNo}`;
  await client.flushall();
  if (fill > 0)
    await pipelinedXadd(
      client,
      stream,
      Array.from({ length: fill }, (_, i) => body(i)),
    );
  return stream;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function repeat(run: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let r = 0; r < RUNS; r++) values.push(await run());
  return median(values);
}

/** msg/s of a baseline consumer over a pre-filled stream. */
async function baselineConsume(kind: 'loop' | 'seed'): Promise<number> {
  const n = kind === 'loop' ? CONSUME_N : SEED_N;
  const stream = await freshStream(n);
  await client.xgroup('CREATE', stream, 'g', '0-0');
  const consumer = client.duplicate();
  const t0 = performance.now();
  if (kind === 'loop') await handWrittenLoop(consumer, stream, 'g', n);
  else await seedPerMessagePath(consumer, stream, 'g', n);
  const rate = n / ((performance.now() - t0) / 1000);
  consumer.disconnect();
  return rate;
}

/** msg/s of the library consuming a pre-filled stream with a no-op handler (including the last acks). */
async function libraryConsume(
  options: RedisStreamerOptions,
  n = CONSUME_N,
  handler: () => unknown = () => {},
  sub: SubscribeOptions = {},
): Promise<number> {
  const stream = await freshStream(n);
  const streamer = new RedisStreamer(server.url, 'bench', { logger: silentLogger, ...options });
  await streamer.subscribe(stream, { startFromLatest: false, ...sub });
  let count = 0;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => (finished = resolve));
  streamer.registerHandler(stream, () => {
    const r = handler();
    if (++count === n) finished();
    return r;
  });
  const t0 = performance.now();
  const run = streamer.persistConsume({ blockMs: 1000 });
  await done;
  if (options.delivery === 'at-least-once') {
    const group = `${stream}:bench:cg`;
    while (Number(((await client.xpending(stream, group)) as [number])[0]) > 0)
      await new Promise((r) => setImmediate(r));
  }
  const rate = n / ((performance.now() - t0) / 1000);
  await streamer.cleanup();
  await run;
  return rate;
}

async function publishRate(kind: 'raw' | 'sequential' | 'concurrent' | 'batches'): Promise<number> {
  const n = kind === 'sequential' ? PUBLISH_SEQ_N : PUBLISH_N;
  const stream = await freshStream(0);
  const messages = Array.from({ length: n }, (_, i) => ({
    name: 'bench.event',
    body: { i, user: `user-${i}`, amount: 12.5 },
  }));
  const streamer = new RedisStreamer(server.url, 'bench-pub', { logger: silentLogger });
  const raw = client.duplicate();
  await streamer.sendMessage(stream, { name: 'warmup', body: {} });
  await raw.ping();
  const t0 = performance.now();
  if (kind === 'raw') {
    await pipelinedXadd(
      raw,
      stream,
      messages.map((m) => JSON.stringify(m.body)),
    );
  } else if (kind === 'sequential') {
    for (const m of messages) await streamer.sendMessage(stream, m);
  } else if (kind === 'concurrent') {
    for (let i = 0; i < n; i += 1000)
      await Promise.all(messages.slice(i, i + 1000).map((m) => streamer.sendMessage(stream, m)));
  } else {
    for (let i = 0; i < n; i += 1000) await streamer.sendMessages(stream, messages.slice(i, i + 1000));
  }
  const rate = n / ((performance.now() - t0) / 1000);
  raw.disconnect();
  await streamer.cleanup();
  return rate;
}

interface Latency {
  p50: number;
  p99: number;
  max: number;
}

/**
 * publish -> handler latency at a fixed 1,000 msg/s: p50, p99, max in ms. The consumer runs in its
 * own process (bench/latency-consumer.ts), as a consuming service would; the stamps are wall-clock.
 */
async function latency(kind: 'library' | 'loop'): Promise<Latency> {
  const stream = await freshStream(0);
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/latency-consumer.ts', server.url, stream, kind], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 10));
  const now = (): number => performance.timeOrigin + performance.now();
  const publisher = new RedisStreamer(server.url, 'bench-lat-pub', { logger: silentLogger });
  await publisher.sendMessage(stream, { name: 'warmup', body: { t: now() } });
  await new Promise((r) => setTimeout(r, 300));
  const total = LATENCY_MS; // one message per ms
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(performance.now() - t0));
    while (sent < due) {
      sent++;
      void publisher.sendMessage(stream, { name: 'tick', body: { t: now() } });
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await new Promise((r) => setTimeout(r, 300));
  child.stdin.write('stop\n');
  await exited;
  await publisher.cleanup();
  const samples = (JSON.parse(out.split('\n')[1] ?? '[]') as number[]).slice(1); // drop the warm-up
  const sorted = samples.sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
}

async function medianLatency(kind: 'library' | 'loop'): Promise<Latency> {
  const runs: Latency[] = [];
  for (let r = 0; r < RUNS; r++) runs.push(await latency(kind));
  return {
    p50: median(runs.map((x) => x.p50)),
    p99: median(runs.map((x) => x.p99)),
    max: median(runs.map((x) => x.max)),
  };
}

/** Redis memory per message of each dedup guard after MEMORY_N messages. */
async function guardMemory(): Promise<{ zsetBytesPerMessage: number; hwmBytesPerGroup: number }> {
  const out = { zsetBytesPerMessage: 0, hwmBytesPerGroup: 0 };
  for (const dedupGuard of ['ledger', 'watermark'] as const) {
    const stream = await freshStream(MEMORY_N);
    const streamer = new RedisStreamer(server.url, 'bench-mem', { logger: silentLogger, dedupGuard });
    await streamer.subscribe(stream, { startFromLatest: false });
    let count = 0;
    streamer.registerHandler(stream, () => void count++);
    const run = streamer.persistConsume({ blockMs: 500 });
    while (count < MEMORY_N) await new Promise((r) => setTimeout(r, 10));
    await streamer.cleanup();
    await run;
    const group = `${stream}:bench-mem:cg`;
    if (dedupGuard === 'ledger') {
      const bytes = Number(await client.memory('USAGE', ledgerKey(stream, group), 'SAMPLES', '0'));
      out.zsetBytesPerMessage = bytes / MEMORY_N;
    } else {
      out.hwmBytesPerGroup = Number(await client.memory('USAGE', guardKey(stream, group), 'SAMPLES', '0'));
    }
  }
  return out;
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

console.log(
  `redis-streamer benchmark${SMOKE ? ' (smoke mode: tiny sizes, 1 run, figures meaningless)' : ''}, median of ${RUNS} runs`,
);
const info = String(await client.info('server'));
const machine = {
  cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
  note: 'client and redis-server share the machine (loopback)',
};
console.log(JSON.stringify(machine));

const figures = {
  consume: {
    handWrittenLoop: await repeat(() => baselineConsume('loop')),
    seedPerMessagePath: await repeat(() => baselineConsume('seed')),
    atMostOnce: await repeat(() => libraryConsume({ delivery: 'at-most-once' })),
    atLeastOnce: await repeat(() => libraryConsume({ delivery: 'at-least-once' })),
    atMostOnceZsetLedger: await repeat(() => libraryConsume({ delivery: 'at-most-once', dedupGuard: 'ledger' })),
  },
  publish: {
    pipelinedRawXadd: await repeat(() => publishRate('raw')),
    sendMessageAwaited: await repeat(() => publishRate('sequential')),
    sendMessageConcurrent: await repeat(() => publishRate('concurrent')),
    sendMessagesBatches: await repeat(() => publishRate('batches')),
  },
  latencyMs: await medianLatency('library'),
  latencyLoopMs: await medianLatency('loop'),
  slowHandler10ms: {} as Record<number, number>,
  // Memory is deterministic: one run.
  memory: await guardMemory(),
};
for (const c of [1, 50, 200]) {
  figures.slowHandler10ms[c] = await repeat(() =>
    libraryConsume({}, SLOW_N[c] ?? 0, () => new Promise<void>((r) => setTimeout(r, 10)), { concurrency: c }),
  );
}

const c = figures.consume;
const p = figures.publish;
const rows: Array<[string, string, string, string]> = [
  ['consume: hand-written ioredis loop (baseline)', `${fmt(c.handWrittenLoop)} msg/s`, '', ''],
  ['consume: seed per-message path (baseline)', `${fmt(c.seedPerMessagePath)} msg/s`, '', ''],
  [
    'consume: at-most-once, no-op handler',
    `${fmt(c.atMostOnce)} msg/s`,
    `${fmt(c.atMostOnce / c.handWrittenLoop, 2)}× loop, ${fmt(c.atMostOnce / c.seedPerMessagePath, 1)}× seed`,
    check(c.atMostOnce / c.handWrittenLoop >= 1.2, '>= 1.2× loop'),
  ],
  [
    'consume: at-least-once, no-op handler',
    `${fmt(c.atLeastOnce)} msg/s`,
    `${fmt(c.atLeastOnce / c.handWrittenLoop, 2)}× loop, ${fmt(c.atLeastOnce / c.seedPerMessagePath, 1)}× seed`,
    check(c.atLeastOnce / c.handWrittenLoop >= 1.0, '>= 1.0× loop'),
  ],
  [
    "consume: at-most-once with dtpyfw's ledger (dedupGuard: 'ledger')",
    `${fmt(c.atMostOnceZsetLedger)} msg/s`,
    `${fmt(c.atMostOnceZsetLedger / c.handWrittenLoop, 2)}× loop`,
    '',
  ],
  ['publish: pipelined raw XADD (baseline)', `${fmt(p.pipelinedRawXadd)} msg/s`, '', ''],
  [
    'publish: sendMessage, awaited one by one',
    `${fmt(p.sendMessageAwaited)} msg/s`,
    `${fmt(p.sendMessageAwaited / p.pipelinedRawXadd, 2)}× raw`,
    '',
  ],
  [
    'publish: sendMessage, 1000 concurrent',
    `${fmt(p.sendMessageConcurrent)} msg/s`,
    `${fmt(p.sendMessageConcurrent / p.pipelinedRawXadd, 2)}× raw`,
    check(p.sendMessageConcurrent / p.pipelinedRawXadd >= 0.8, '>= 0.8× raw'),
  ],
  [
    'publish: sendMessages, batches of 1000',
    `${fmt(p.sendMessagesBatches)} msg/s`,
    `${fmt(p.sendMessagesBatches / p.pipelinedRawXadd, 2)}× raw`,
    check(p.sendMessagesBatches / p.pipelinedRawXadd >= 1.0, '>= 1.0× raw'),
  ],
  [
    'latency at 1,000 msg/s: p50',
    `${fmt(figures.latencyMs.p50, 3)} ms`,
    '',
    check(figures.latencyMs.p50 <= 0.5, '<= 0.5 ms'),
  ],
  [
    'latency at 1,000 msg/s: p99',
    `${fmt(figures.latencyMs.p99, 3)} ms`,
    '',
    check(figures.latencyMs.p99 <= 2, '<= 2 ms'),
  ],
  ['latency at 1,000 msg/s: max', `${fmt(figures.latencyMs.max, 3)} ms`, '', ''],
  [
    'latency at 1,000 msg/s, hand-written loop (baseline): p50 / p99 / max',
    `${fmt(figures.latencyLoopMs.p50, 3)} / ${fmt(figures.latencyLoopMs.p99, 3)} / ${fmt(figures.latencyLoopMs.max, 3)} ms`,
    '',
    '',
  ],
  ['10 ms handler, concurrency 1', `${fmt(figures.slowHandler10ms[1]!)} msg/s`, '', ''],
  ['10 ms handler, concurrency 50', `${fmt(figures.slowHandler10ms[50]!)} msg/s`, '', ''],
  [
    '10 ms handler, concurrency 200',
    `${fmt(figures.slowHandler10ms[200]!)} msg/s`,
    '',
    check(figures.slowHandler10ms[200]! >= 15_000, '>= 15,000 msg/s'),
  ],
  [
    `dedup guard 'ledger' (dtpyfw's ZSET): Redis memory after ${fmt(MEMORY_N)} messages`,
    `${fmt(figures.memory.zsetBytesPerMessage, 1)} B/message`,
    '',
    '',
  ],
  [
    `dedup guard 'watermark': Redis memory after ${fmt(MEMORY_N)} messages`,
    `${fmt(figures.memory.hwmBytesPerGroup)} B/group`,
    `${fmt(figures.memory.hwmBytesPerGroup / MEMORY_N, 4)} B/message`,
    check(figures.memory.hwmBytesPerGroup <= 1024, '<= 1 KB/group'),
  ],
];

function check(ok: boolean, target: string): string {
  // Smoke sizes are too small for the figures to mean anything: no verdict.
  if (SMOKE) return `(smoke) ${target}`;
  return `${ok ? 'meets' : 'MISSES'} ${target}`;
}

const widths = [0, 1, 2, 3].map((i) =>
  Math.max(...rows.map((r) => r[i]!.length), ['scenario', 'figure', 'ratio', 'target'][i]!.length),
);
const line = (r: readonly string[]): string => `| ${r.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(['scenario', 'figure', 'ratio', 'target']));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));

writeFileSync(
  SMOKE ? 'bench/results.tmp.json' : 'bench/results.json',
  `${JSON.stringify({ date: new Date().toISOString(), smoke: SMOKE, runs: RUNS, machine, figures, table: rows }, null, 2)}\n`,
);
client.disconnect();
await server.stop();

/**
 * The two client libraries side by side (issue 25), their runs interleaved so that every ratio
 * compares runs made under the same conditions: each client's read ceiling over a 300,000-entry
 * backlog (XREADGROUP COUNT 1000 NOACK and JSON.parse, nothing else), the library consuming that
 * backlog at-most-once with a no-op handler on each adapter, and publishing on each adapter:
 * sendMessages in batches of 1,000 (with and without an idempotency key each), 1,000 concurrent
 * sendMessage calls, and sendMessage awaited one by one (a round trip each). Beside each rate, the CPU time this process spent per message: on a machine
 * shared with other work, the steadier of the two figures.
 */
import { createClient } from 'redis';
import { RedisInstance, RedisStreamer, silentLogger } from '../../src/index.js';
import { readCeilingIoredis, readCeilingNodeRedis } from '../baselines.js';
import { timeConsume } from '../library-consume.js';
import {
  body,
  check,
  fmt,
  freshStream,
  median,
  ratio,
  type BenchContext,
  type Row,
  type Scenario,
} from '../support.js';

type Client = 'ioredis' | 'node-redis';

/** msg/s, and µs of this process' CPU time per message. */
interface Measured {
  readonly rate: number;
  readonly cpu: number;
}

/** Times `run` over `n` messages. */
async function timed(n: number, run: () => Promise<unknown>): Promise<Measured> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const rate = n / ((performance.now() - t0) / 1000);
  const cpu = process.cpuUsage(cpu0);
  return { rate, cpu: (cpu.user + cpu.system) / n };
}

/** A client's read ceiling over a backlog of `n`. */
async function ceiling(ctx: BenchContext, client: Client, n: number): Promise<Measured> {
  const stream = await freshStream(ctx, n);
  await ctx.client.xgroup('CREATE', stream, 'g', '0-0');
  if (client === 'ioredis') {
    const reader = ctx.client.duplicate();
    await reader.ping();
    const measured = await timed(n, () => readCeilingIoredis(reader, stream, 'g', n));
    reader.disconnect();
    return measured;
  }
  const reader = createClient({ url: ctx.url, RESP: 2 });
  await reader.connect();
  const measured = await timed(n, () => readCeilingNodeRedis(reader, stream, 'g', n));
  reader.destroy();
  return measured;
}

/** The library consuming a backlog of `n` at-most-once with a no-op handler. */
async function consume(ctx: BenchContext, client: Client, n: number): Promise<Measured> {
  const stream = await freshStream(ctx, n);
  const redis = new RedisInstance({ url: ctx.url, client });
  const consumed = await timeConsume({ redis, channels: [stream], total: n, options: { delivery: 'at-most-once' } });
  return { rate: consumed.rate, cpu: consumed.cpuMicrosPerMessage };
}

/** How a publishing run sends its messages. */
type PublishMode = 'batches' | 'keyed batches' | 'concurrent' | 'awaited';

/** Publishing `n` messages in one of the {@link PublishMode}s. */
async function publish(ctx: BenchContext, client: Client, mode: PublishMode, n: number): Promise<Measured> {
  const stream = await freshStream(ctx, 0);
  const messages = Array.from({ length: n }, (_, i) => ({
    name: 'bench.event',
    body: JSON.parse(body(i)) as object,
    ...(mode === 'keyed batches' ? { idempotencyKey: `k-${stream}-${i}` } : {}),
  }));
  const streamer = new RedisStreamer(new RedisInstance({ url: ctx.url, client }), 'bench-pub', {
    logger: silentLogger,
  });
  await streamer.sendMessage(stream, { name: 'warmup', body: {} });
  const measured = await timed(n, async () => {
    for (let i = 0; i < n; i += 1000) {
      const batch = messages.slice(i, i + 1000);
      if (mode === 'awaited') for (const m of batch) await streamer.sendMessage(stream, m);
      else if (mode === 'concurrent') await Promise.all(batch.map((m) => streamer.sendMessage(stream, m)));
      else await streamer.sendMessages(stream, batch);
    }
  });
  await streamer.cleanup();
  return measured;
}

/** The publishing rows: one pair of runs per mode, the node-redis one compared with the ioredis one. */
const PUBLISH_ROWS: ReadonlyArray<{ readonly mode: PublishMode; readonly label: string }> = [
  { mode: 'batches', label: 'sendMessages, batches of 1000' },
  { mode: 'keyed batches', label: 'sendMessages with an idempotency key each, batches of 1000' },
  { mode: 'concurrent', label: 'sendMessage, 1000 concurrent' },
  { mode: 'awaited', label: 'sendMessage, awaited one by one' },
];

export const clients: Scenario = {
  name: 'clients',
  async run(ctx) {
    const backlog = ctx.smoke ? 3_000 : 300_000;
    const published = ctx.smoke ? 2_000 : 100_000;
    const runs = {
      ceilingIoredis: [] as Measured[],
      ceilingNodeRedis: [] as Measured[],
      consumeIoredis: [] as Measured[],
      consumeNodeRedis: [] as Measured[],
    };
    const publishRuns: Record<string, Measured[]> = {};
    for (let r = 0; r < ctx.runs; r++) {
      runs.ceilingIoredis.push(await ceiling(ctx, 'ioredis', backlog));
      runs.ceilingNodeRedis.push(await ceiling(ctx, 'node-redis', backlog));
      runs.consumeIoredis.push(await consume(ctx, 'ioredis', backlog));
      runs.consumeNodeRedis.push(await consume(ctx, 'node-redis', backlog));
      for (const { mode } of PUBLISH_ROWS) {
        const n = mode === 'awaited' ? published / 10 : published;
        // Each client goes first in every other run: neither always runs on a warmer (or busier) machine.
        const order: Client[] = r % 2 === 0 ? ['ioredis', 'node-redis'] : ['node-redis', 'ioredis'];
        for (const client of order) (publishRuns[`${mode}:${client}`] ??= []).push(await publish(ctx, client, mode, n));
      }
    }
    const med = (v: readonly Measured[]): Measured => ({
      rate: median(v.map((x) => x.rate)),
      cpu: median(v.map((x) => x.cpu)),
    });
    const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, med(v)])) as Record<
      keyof typeof runs,
      Measured
    >;
    const pub = Object.fromEntries(Object.entries(publishRuns).map(([k, v]) => [k, med(v)]));
    const base = m.ceilingIoredis.rate;
    const figure = (x: Measured): string => `${fmt(x.rate)} msg/s, ${fmt(x.cpu, 2)} µs CPU/msg`;
    const publishRows = PUBLISH_ROWS.flatMap(({ mode, label }): Row[] => {
      const io = pub[`${mode}:ioredis`]!;
      const nr = pub[`${mode}:node-redis`]!;
      const target = mode === 'batches' ? check(ctx, nr.rate / io.rate >= 1.2, '>= 1.2× ioredis adapter') : '';
      return [
        [`clients: ${label}, ioredis adapter`, figure(io), '', ''],
        [
          `clients: ${label}, node-redis adapter`,
          figure(nr),
          `${ratio(nr.rate, io.rate)} ioredis adapter, CPU ${ratio(nr.cpu, io.cpu)}`,
          target,
        ],
      ];
    });
    return {
      figures: { ...m, publish: pub, runs, publishRuns },
      rows: [
        [
          'clients: ioredis read ceiling, XREADGROUP COUNT 1000 NOACK + JSON.parse (baseline)',
          figure(m.ceilingIoredis),
          '',
          '',
        ],
        [
          'clients: node-redis read ceiling, the same loop',
          figure(m.ceilingNodeRedis),
          `${ratio(m.ceilingNodeRedis.rate, base)} ioredis ceiling`,
          '',
        ],
        [
          'clients: at-most-once, no-op handler, ioredis adapter',
          figure(m.consumeIoredis),
          `${ratio(m.consumeIoredis.rate, base)} ioredis ceiling`,
          '',
        ],
        [
          'clients: at-most-once, no-op handler, node-redis adapter',
          figure(m.consumeNodeRedis),
          `${ratio(m.consumeNodeRedis.rate, base)} ioredis ceiling, ${ratio(m.consumeNodeRedis.rate, m.consumeIoredis.rate)} ioredis adapter`,
          check(ctx, m.consumeNodeRedis.rate / base >= 1.3, '>= 1.3× ioredis ceiling'),
        ],
        ...publishRows,
      ],
    };
  },
};

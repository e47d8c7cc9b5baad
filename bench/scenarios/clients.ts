/**
 * The two client libraries side by side (issue 25), their runs interleaved so that every ratio
 * compares runs made under the same conditions: each client's read ceiling over a 300,000-entry
 * backlog (XREADGROUP COUNT 1000 NOACK and JSON.parse, nothing else), the library consuming that
 * backlog at-most-once with a no-op handler on each adapter, and sendMessages in batches of 1,000
 * on each adapter.
 */
import { createClient } from 'redis';
import { RedisInstance, RedisStreamer, silentLogger } from '../../src/index.js';
import { readCeilingIoredis, readCeilingNodeRedis } from '../baselines.js';
import { timeConsume } from '../library-consume.js';
import { body, check, fmt, freshStream, median, ratio, type BenchContext, type Scenario } from '../support.js';

type Client = 'ioredis' | 'node-redis';

/** msg/s of a client's read ceiling over a backlog of `n`. */
async function ceiling(ctx: BenchContext, client: Client, n: number): Promise<number> {
  const stream = await freshStream(ctx, n);
  await ctx.client.xgroup('CREATE', stream, 'g', '0-0');
  if (client === 'ioredis') {
    const reader = ctx.client.duplicate();
    await reader.ping();
    const t0 = performance.now();
    await readCeilingIoredis(reader, stream, 'g', n);
    const rate = n / ((performance.now() - t0) / 1000);
    reader.disconnect();
    return rate;
  }
  const reader = createClient({ url: ctx.url, RESP: 2 });
  await reader.connect();
  const t0 = performance.now();
  await readCeilingNodeRedis(reader, stream, 'g', n);
  const rate = n / ((performance.now() - t0) / 1000);
  reader.destroy();
  return rate;
}

/** msg/s of the library consuming a backlog of `n` at-most-once with a no-op handler. */
async function consume(ctx: BenchContext, client: Client, n: number): Promise<number> {
  const stream = await freshStream(ctx, n);
  const redis = new RedisInstance({ url: ctx.url, client });
  return (await timeConsume({ redis, channels: [stream], total: n, options: { delivery: 'at-most-once' } })).rate;
}

/** msg/s of sendMessages in batches of 1,000. */
async function sendBatches(ctx: BenchContext, client: Client, n: number): Promise<number> {
  const stream = await freshStream(ctx, 0);
  const messages = Array.from({ length: n }, (_, i) => ({ name: 'bench.event', body: JSON.parse(body(i)) as object }));
  const streamer = new RedisStreamer(new RedisInstance({ url: ctx.url, client }), 'bench-pub', {
    logger: silentLogger,
  });
  await streamer.sendMessage(stream, { name: 'warmup', body: {} });
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1000) await streamer.sendMessages(stream, messages.slice(i, i + 1000));
  const rate = n / ((performance.now() - t0) / 1000);
  await streamer.cleanup();
  return rate;
}

export const clients: Scenario = {
  name: 'clients',
  async run(ctx) {
    const backlog = ctx.smoke ? 3_000 : 300_000;
    const published = ctx.smoke ? 2_000 : 100_000;
    const runs = {
      ceilingIoredis: [] as number[],
      ceilingNodeRedis: [] as number[],
      consumeIoredis: [] as number[],
      consumeNodeRedis: [] as number[],
      sendMessagesIoredis: [] as number[],
      sendMessagesNodeRedis: [] as number[],
    };
    for (let r = 0; r < ctx.runs; r++) {
      runs.ceilingIoredis.push(await ceiling(ctx, 'ioredis', backlog));
      runs.ceilingNodeRedis.push(await ceiling(ctx, 'node-redis', backlog));
      runs.consumeIoredis.push(await consume(ctx, 'ioredis', backlog));
      runs.consumeNodeRedis.push(await consume(ctx, 'node-redis', backlog));
      runs.sendMessagesIoredis.push(await sendBatches(ctx, 'ioredis', published));
      runs.sendMessagesNodeRedis.push(await sendBatches(ctx, 'node-redis', published));
    }
    const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)])) as Record<
      keyof typeof runs,
      number
    >;
    const base = m.ceilingIoredis;
    return {
      figures: { ...m, runs },
      rows: [
        [
          'clients: ioredis read ceiling, XREADGROUP COUNT 1000 NOACK + JSON.parse (baseline)',
          `${fmt(base)} msg/s`,
          '',
          '',
        ],
        [
          'clients: node-redis read ceiling, the same loop',
          `${fmt(m.ceilingNodeRedis)} msg/s`,
          `${ratio(m.ceilingNodeRedis, base)} ioredis ceiling`,
          '',
        ],
        [
          'clients: at-most-once, no-op handler, ioredis adapter',
          `${fmt(m.consumeIoredis)} msg/s`,
          `${ratio(m.consumeIoredis, base)} ioredis ceiling`,
          '',
        ],
        [
          'clients: at-most-once, no-op handler, node-redis adapter',
          `${fmt(m.consumeNodeRedis)} msg/s`,
          `${ratio(m.consumeNodeRedis, base)} ioredis ceiling, ${ratio(m.consumeNodeRedis, m.consumeIoredis)} ioredis adapter`,
          check(ctx, m.consumeNodeRedis / base >= 1.3, '>= 1.3× ioredis ceiling'),
        ],
        ['clients: sendMessages, batches of 1000, ioredis adapter', `${fmt(m.sendMessagesIoredis)} msg/s`, '', ''],
        [
          'clients: sendMessages, batches of 1000, node-redis adapter',
          `${fmt(m.sendMessagesNodeRedis)} msg/s`,
          `${ratio(m.sendMessagesNodeRedis, m.sendMessagesIoredis)} ioredis adapter`,
          check(ctx, m.sendMessagesNodeRedis / m.sendMessagesIoredis >= 1.2, '>= 1.2× ioredis adapter'),
        ],
      ],
    };
  },
};

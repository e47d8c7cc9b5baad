/**
 * Consume throughput over one pre-filled stream: the hand-written ioredis loop and the seed's
 * per-message path (baselines), and the library with a no-op handler in each delivery mode and
 * with dtpyfw's ledger.
 */
import type { RedisStreamerOptions } from '../../src/index.js';
import { handWrittenLoop, seedPerMessagePath } from '../baselines.js';
import { timeConsume } from '../library-consume.js';
import { check, fmt, freshStream, median, ratio, repeat, type BenchContext, type Scenario } from '../support.js';

/** msg/s of a baseline consumer over a pre-filled stream. */
async function baseline(ctx: BenchContext, kind: 'loop' | 'seed', n: number): Promise<number> {
  const stream = await freshStream(ctx, n);
  await ctx.client.xgroup('CREATE', stream, 'g', '0-0');
  const consumer = ctx.client.duplicate();
  const t0 = performance.now();
  if (kind === 'loop') await handWrittenLoop(consumer, stream, 'g', n);
  else await seedPerMessagePath(consumer, stream, 'g', n);
  const rate = n / ((performance.now() - t0) / 1000);
  consumer.disconnect();
  return rate;
}

/** msg/s of the library over a pre-filled stream (including the last acknowledgements). */
async function library(ctx: BenchContext, options: RedisStreamerOptions, n: number): Promise<number> {
  const stream = await freshStream(ctx, n);
  const group = `${stream}:bench:cg`;
  const settled = async (): Promise<void> => {
    if (options.delivery !== 'at-least-once') return;
    while (Number(((await ctx.client.xpending(stream, group)) as [number])[0]) > 0)
      await new Promise((r) => setImmediate(r));
  };
  return (await timeConsume({ redis: ctx.url, channels: [stream], total: n, options, settled })).rate;
}

export const consume: Scenario = {
  name: 'consume',
  async run(ctx) {
    const n = ctx.smoke ? 2_000 : 200_000;
    const seedN = ctx.smoke ? 500 : 20_000;
    // The loop and the library's modes take turns in every round, so that each ratio compares runs
    // made under the same conditions (the loop's own figure moved by up to a third between runs).
    const runs = { loop: [] as number[], amo: [] as number[], alo: [] as number[], ledger: [] as number[] };
    for (let r = 0; r < ctx.runs; r++) {
      runs.loop.push(await baseline(ctx, 'loop', n));
      runs.amo.push(await library(ctx, { delivery: 'at-most-once' }, n));
      runs.alo.push(await library(ctx, { delivery: 'at-least-once' }, n));
      runs.ledger.push(await library(ctx, { delivery: 'at-most-once', dedupGuard: 'ledger' }, n));
    }
    const c = {
      handWrittenLoop: median(runs.loop),
      seedPerMessagePath: await repeat(ctx.runs, () => baseline(ctx, 'seed', seedN)),
      atMostOnce: median(runs.amo),
      atLeastOnce: median(runs.alo),
      atMostOnceZsetLedger: median(runs.ledger),
      runs,
    };
    const loop = c.handWrittenLoop;
    return {
      figures: c,
      rows: [
        ['consume: hand-written ioredis loop (baseline)', `${fmt(loop)} msg/s`, '', ''],
        ['consume: seed per-message path (baseline)', `${fmt(c.seedPerMessagePath)} msg/s`, '', ''],
        [
          'consume: at-most-once, no-op handler',
          `${fmt(c.atMostOnce)} msg/s`,
          `${ratio(c.atMostOnce, loop)} loop, ${ratio(c.atMostOnce, c.seedPerMessagePath)} seed`,
          check(ctx, c.atMostOnce / loop >= 1.2, '>= 1.2× loop'),
        ],
        [
          'consume: at-least-once, no-op handler',
          `${fmt(c.atLeastOnce)} msg/s`,
          `${ratio(c.atLeastOnce, loop)} loop, ${ratio(c.atLeastOnce, c.seedPerMessagePath)} seed`,
          check(ctx, c.atLeastOnce / loop >= 1.0, '>= 1.0× loop'),
        ],
        [
          "consume: at-most-once with dtpyfw's ledger (dedupGuard: 'ledger')",
          `${fmt(c.atMostOnceZsetLedger)} msg/s`,
          `${ratio(c.atMostOnceZsetLedger, loop)} loop`,
          '',
        ],
      ],
    };
  },
};

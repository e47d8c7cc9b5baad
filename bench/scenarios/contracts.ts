/**
 * Consuming through a channel contract (validation on receipt) beside untyped consuming, over the
 * same pre-filled stream, at-most-once with a no-op handler: what validating each body costs, with
 * a Zod 4 and a Valibot 1 object schema of the benchmark's bodies. Target: the Zod contract keeps at
 * least 0.8× of untyped throughput (at most 20% for validation).
 */
import * as v from 'valibot';
import { z } from 'zod';
import { defineChannel, type AnyChannelContract } from '../../src/index.js';
import { timeConsume } from '../library-consume.js';
import { check, fmt, freshStream, median, ratio, type BenchContext, type Scenario } from '../support.js';

/** The benchmark's body (bench/support.ts `body()`), as each library writes its schema. */
const zodBody = z.object({
  i: z.number().int(),
  user: z.string(),
  amount: z.number(),
  currency: z.string(),
  ts: z.string(),
});
const valibotBody = v.object({
  i: v.number(),
  user: v.string(),
  amount: v.number(),
  currency: v.string(),
  ts: v.string(),
});

async function rate(ctx: BenchContext, n: number, contract?: (stream: string) => AnyChannelContract): Promise<number> {
  const stream = await freshStream(ctx, n);
  const contracts = new Map(contract === undefined ? [] : [[stream, contract(stream)]]);
  return (await timeConsume({ redis: ctx.url, channels: [stream], total: n, contracts })).rate;
}

export const contracts: Scenario = {
  name: 'contracts',
  async run(ctx) {
    const n = ctx.smoke ? 2_000 : 200_000;
    const runs = { untyped: [] as number[], zod: [] as number[], valibot: [] as number[] };
    // Interleaved, so each ratio compares runs made under the same conditions.
    for (let r = 0; r < ctx.runs; r++) {
      runs.untyped.push(await rate(ctx, n));
      runs.zod.push(await rate(ctx, n, (s) => defineChannel(s, { 'bench.event': zodBody })));
      runs.valibot.push(await rate(ctx, n, (s) => defineChannel(s, { 'bench.event': valibotBody })));
    }
    const c = { untyped: median(runs.untyped), zod: median(runs.zod), valibot: median(runs.valibot), runs };
    const perMessage = (typed: number): string => `${((1e6 / typed - 1e6 / c.untyped) * 1000).toFixed(0)} ns/msg`;
    return {
      figures: c,
      rows: [
        ['contracts: untyped consume, at-most-once, no-op handler', `${fmt(c.untyped)} msg/s`, '', ''],
        [
          'contracts: through a Zod 4 contract (validated on receipt)',
          `${fmt(c.zod)} msg/s`,
          `${ratio(c.zod, c.untyped)} untyped, +${perMessage(c.zod)}`,
          check(ctx, c.zod / c.untyped >= 0.8, '>= 0.8× untyped'),
        ],
        [
          'contracts: through a Valibot 1 contract',
          `${fmt(c.valibot)} msg/s`,
          `${ratio(c.valibot, c.untyped)} untyped, +${perMessage(c.valibot)}`,
          '',
        ],
      ],
    };
  },
};

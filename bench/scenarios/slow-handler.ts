/** A 10 ms (asynchronous) handler at concurrency 1, 50 and 200. */
import { timeConsume } from '../library-consume.js';
import { check, fmt, freshStream, repeat, type BenchContext, type Row, type Scenario } from '../support.js';

const CONCURRENCY = [1, 50, 200] as const;

async function rate(ctx: BenchContext, concurrency: number): Promise<number> {
  const sizes: Record<number, number> = ctx.smoke ? { 1: 20, 50: 500, 200: 2_000 } : { 1: 200, 50: 5_000, 200: 20_000 };
  const n = sizes[concurrency] ?? 0;
  const stream = await freshStream(ctx, n);
  const handler = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));
  return (await timeConsume({ redis: ctx.url, channels: [stream], total: n, handler, subscribe: { concurrency } }))
    .rate;
}

export const slowHandler: Scenario = {
  name: 'slowHandler10ms',
  async run(ctx) {
    const figures: Record<number, number> = {};
    const rows: Row[] = [];
    for (const c of CONCURRENCY) {
      figures[c] = await repeat(ctx.runs, () => rate(ctx, c));
      const target = c === 200 ? check(ctx, figures[c] >= 15_000, '>= 15,000 msg/s') : '';
      rows.push([`10 ms handler, concurrency ${c}`, `${fmt(figures[c])} msg/s`, '', target]);
    }
    return { figures, rows };
  },
};

/** Redis memory of each dedup guard after consuming a stream: dtpyfw's ZSET ledger, and the watermark. */
import { RedisStreamer, silentLogger } from '../../src/index.js';
import { guardKey, ledgerKey } from '../../src/naming.js';
import { check, fmt, freshStream, pause, type BenchContext, type Scenario } from '../support.js';

async function guardBytes(ctx: BenchContext, dedupGuard: 'ledger' | 'watermark', n: number): Promise<number> {
  const stream = await freshStream(ctx, n);
  const streamer = new RedisStreamer(ctx.url, 'bench-mem', { logger: silentLogger, dedupGuard });
  await streamer.subscribe(stream, { startFromLatest: false });
  let count = 0;
  streamer.registerHandler(stream, () => void count++);
  const run = streamer.persistConsume({ blockMs: 500 });
  while (count < n) await pause(10);
  await streamer.cleanup();
  await run;
  const group = `${stream}:bench-mem:cg`;
  const key = dedupGuard === 'ledger' ? ledgerKey(stream, group) : guardKey(stream, group);
  return Number(await ctx.client.memory('USAGE', key, 'SAMPLES', '0'));
}

export const guardMemory: Scenario = {
  name: 'memory',
  async run(ctx) {
    // Memory is deterministic: one run.
    const n = ctx.smoke ? 1_000 : 100_000;
    const zsetBytesPerMessage = (await guardBytes(ctx, 'ledger', n)) / n;
    const hwmBytesPerGroup = await guardBytes(ctx, 'watermark', n);
    return {
      figures: { messages: n, zsetBytesPerMessage, hwmBytesPerGroup },
      rows: [
        [
          `dedup guard 'ledger' (dtpyfw's ZSET): Redis memory after ${fmt(n)} messages`,
          `${fmt(zsetBytesPerMessage, 1)} B/message`,
          '',
          '',
        ],
        [
          `dedup guard 'watermark': Redis memory after ${fmt(n)} messages`,
          `${fmt(hwmBytesPerGroup)} B/group`,
          `${fmt(hwmBytesPerGroup / n, 4)} B/message`,
          check(ctx, hwmBytesPerGroup <= 1024, '<= 1 KB/group'),
        ],
      ],
    };
  },
};

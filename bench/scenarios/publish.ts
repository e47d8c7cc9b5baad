/**
 * Publish throughput: pipelined raw XADD (baseline), and the library's sendMessage and
 * sendMessages, plain and with an idempotency key per message (one script per message: check,
 * append, record).
 */
import { RedisStreamer, silentLogger } from '../../src/index.js';
import { pipelinedXadd } from '../baselines.js';
import { check, fmt, freshStream, median, ratio, repeat, type BenchContext, type Scenario } from '../support.js';

type Kind = 'raw' | 'sequential' | 'concurrent' | 'batches' | 'keyedBatches';

async function publishRate(ctx: BenchContext, kind: Kind): Promise<number> {
  const n = kind === 'sequential' ? (ctx.smoke ? 500 : 10_000) : ctx.smoke ? 2_000 : 100_000;
  const stream = await freshStream(ctx, 0);
  const messages = Array.from({ length: n }, (_, i) => ({
    name: 'bench.event',
    body: { i, user: `user-${i}`, amount: 12.5 },
    ...(kind === 'keyedBatches' ? { idempotencyKey: `${stream}:order-${i}` } : {}),
  }));
  const streamer = new RedisStreamer(ctx.url, 'bench-pub', { logger: silentLogger });
  const raw = ctx.client.duplicate();
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

/** Unkeyed and keyed sendMessages batches, their runs interleaved (both see the same machine). */
async function unkeyedAndKeyed(
  ctx: BenchContext,
): Promise<{ sendMessagesBatches: number; sendMessagesKeyedBatches: number }> {
  const unkeyed: number[] = [];
  const keyed: number[] = [];
  for (let r = 0; r < ctx.runs; r++) {
    unkeyed.push(await publishRate(ctx, 'batches'));
    keyed.push(await publishRate(ctx, 'keyedBatches'));
  }
  return { sendMessagesBatches: median(unkeyed), sendMessagesKeyedBatches: median(keyed) };
}

export const publish: Scenario = {
  name: 'publish',
  async run(ctx) {
    const p = {
      pipelinedRawXadd: await repeat(ctx.runs, () => publishRate(ctx, 'raw')),
      sendMessageAwaited: await repeat(ctx.runs, () => publishRate(ctx, 'sequential')),
      sendMessageConcurrent: await repeat(ctx.runs, () => publishRate(ctx, 'concurrent')),
      ...(await unkeyedAndKeyed(ctx)),
    };
    const raw = p.pipelinedRawXadd;
    return {
      figures: p,
      rows: [
        ['publish: pipelined raw XADD (baseline)', `${fmt(raw)} msg/s`, '', ''],
        [
          'publish: sendMessage, awaited one by one',
          `${fmt(p.sendMessageAwaited)} msg/s`,
          `${ratio(p.sendMessageAwaited, raw)} raw`,
          '',
        ],
        [
          'publish: sendMessage, 1000 concurrent',
          `${fmt(p.sendMessageConcurrent)} msg/s`,
          `${ratio(p.sendMessageConcurrent, raw)} raw`,
          check(ctx, p.sendMessageConcurrent / raw >= 0.8, '>= 0.8× raw'),
        ],
        [
          'publish: sendMessages, batches of 1000',
          `${fmt(p.sendMessagesBatches)} msg/s`,
          `${ratio(p.sendMessagesBatches, raw)} raw`,
          check(ctx, p.sendMessagesBatches / raw >= 1.0, '>= 1.0× raw'),
        ],
        [
          'publish: sendMessages with an idempotency key each, batches of 1000',
          `${fmt(p.sendMessagesKeyedBatches)} msg/s`,
          `${ratio(p.sendMessagesKeyedBatches, p.sendMessagesBatches)} unkeyed`,
          check(ctx, p.sendMessagesKeyedBatches / p.sendMessagesBatches >= 0.7, '>= 0.7× unkeyed'),
        ],
      ],
    };
  },
};

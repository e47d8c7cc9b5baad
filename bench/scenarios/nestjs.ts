/**
 * Consume throughput through the NestJS transport (a real Nest microservice whose @EventPattern
 * handler does nothing) beside the plain library with a no-op handler, at-most-once, over the same
 * pre-filled stream size; the two take turns in every round. What the ratio measures is Nest's own
 * per-event path (its handler proxy, params, interceptors consumer) plus the transport's routing.
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import { silentLogger } from '../../src/index.js';
import { RedisStreamerTransport } from '../../src/nestjs/index.js';
import { timeConsume } from '../library-consume.js';
import { check, fmt, freshStream, median, ratio, type BenchContext, type Scenario } from '../support.js';

/** msg/s of a Nest microservice consuming `n` pre-filled entries with a no-op handler. */
async function throughNest(ctx: BenchContext, n: number): Promise<number> {
  const stream = await freshStream(ctx, n);
  let count = 0;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => (finished = resolve));
  @Controller()
  class Noop {
    @EventPattern('bench.event')
    handle(_payload: unknown): void {
      if (++count === n) finished();
    }
  }
  class BenchModule {}
  Module({ controllers: [Noop] })(BenchModule);
  const strategy = new RedisStreamerTransport({
    redis: ctx.url,
    service: 'bench',
    channels: [{ channel: stream, startFromLatest: false }],
    logger: silentLogger,
    consume: { blockMs: 1000 },
  });
  const app = await NestFactory.createMicroservice(BenchModule, { strategy, logger: false });
  await app.init(); // outside the timing, as the library's streamer is created outside it
  const t0 = performance.now();
  await app.listen();
  await done;
  const rate = n / ((performance.now() - t0) / 1000);
  await app.close();
  return rate;
}

/** msg/s of the plain library over the same size. */
async function plain(ctx: BenchContext, n: number): Promise<number> {
  const stream = await freshStream(ctx, n);
  return (await timeConsume({ redis: ctx.url, channels: [stream], total: n, options: { delivery: 'at-most-once' } }))
    .rate;
}

export const nestjs: Scenario = {
  name: 'nestjs',
  async run(ctx) {
    const n = ctx.smoke ? 2_000 : 200_000;
    const runs = { library: [] as number[], nest: [] as number[] };
    for (let r = 0; r < ctx.runs; r++) {
      runs.library.push(await plain(ctx, n));
      runs.nest.push(await throughNest(ctx, n));
    }
    const library = median(runs.library);
    const nest = median(runs.nest);
    return {
      figures: { library, nest, runs },
      rows: [
        [
          'consume: NestJS transport, no-op @EventPattern handler',
          `${fmt(nest)} msg/s`,
          `${ratio(nest, library)} library (${fmt(library)} msg/s)`,
          check(ctx, nest / library >= 0.8, '>= 0.8× library'),
        ],
      ],
    };
  },
};

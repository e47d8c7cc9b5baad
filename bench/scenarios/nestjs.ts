/**
 * Consume throughput through the NestJS transport (a real Nest microservice whose @EventPattern
 * handler does nothing) beside the plain library with a no-op handler, at-most-once, over the same
 * pre-filled stream size; the two take turns in every round. What the ratio measures is Nest's own
 * per-event path (its handler proxy, params, interceptors consumer) plus the transport's routing.
 * Beside each rate, the CPU time this process spent per message over the same window: on a machine
 * shared with other work, the steadier of the two figures (the target is still checked on the rates).
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import { silentLogger } from '../../src/index.js';
import { RedisStreamerTransport } from '../../src/nestjs/index.js';
import { timeConsume } from '../library-consume.js';
import { check, fmt, freshStream, median, ratio, type BenchContext, type Scenario } from '../support.js';

/** msg/s, and µs of this process' CPU time per message. */
interface Measured {
  readonly rate: number;
  readonly cpu: number;
}

/** A Nest microservice consuming `n` pre-filled entries with a no-op handler. */
async function throughNest(ctx: BenchContext, n: number): Promise<Measured> {
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
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await app.listen();
  await done;
  const rate = n / ((performance.now() - t0) / 1000);
  const cpu = process.cpuUsage(cpu0);
  await app.close();
  return { rate, cpu: (cpu.user + cpu.system) / n };
}

/** The plain library over the same size. */
async function plain(ctx: BenchContext, n: number): Promise<Measured> {
  const stream = await freshStream(ctx, n);
  const consumed = await timeConsume({
    redis: ctx.url,
    channels: [stream],
    total: n,
    options: { delivery: 'at-most-once' },
  });
  return { rate: consumed.rate, cpu: consumed.cpuMicrosPerMessage };
}

export const nestjs: Scenario = {
  name: 'nestjs',
  async run(ctx) {
    const n = ctx.smoke ? 2_000 : 200_000;
    const runs = { library: [] as number[], nest: [] as number[] };
    const cpuRuns = { library: [] as number[], nest: [] as number[] };
    for (let r = 0; r < ctx.runs; r++) {
      const lib = await plain(ctx, n);
      const viaNest = await throughNest(ctx, n);
      runs.library.push(lib.rate);
      runs.nest.push(viaNest.rate);
      cpuRuns.library.push(lib.cpu);
      cpuRuns.nest.push(viaNest.cpu);
    }
    const library = median(runs.library);
    const nest = median(runs.nest);
    const cpu = { library: median(cpuRuns.library), nest: median(cpuRuns.nest) };
    return {
      figures: { library, nest, runs, cpuMicrosPerMessage: { ...cpu, runs: cpuRuns } },
      rows: [
        [
          'consume: NestJS transport, no-op @EventPattern handler',
          `${fmt(nest)} msg/s, ${fmt(cpu.nest, 2)} µs CPU/msg`,
          `${ratio(nest, library)} library (${fmt(library)} msg/s, ${fmt(cpu.library, 2)} µs CPU/msg)`,
          check(ctx, nest / library >= 0.8, '>= 0.8× library'),
        ],
      ],
    };
  },
};

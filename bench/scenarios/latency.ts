/**
 * Latency of one channel at 1,000 msg/s, the consumer in its own process: the library beside the
 * hand-written blocking XREADGROUP loop, their runs interleaved so that both see the same machine.
 */
import { medianOf, paced, type PacedResult } from '../paced.js';
import { check, fmt, ratio, type Scenario } from '../support.js';

const ms = (x: number): string => `${fmt(x, 3)} ms`;

export const latency: Scenario = {
  name: 'latency',
  async run(ctx) {
    const runs = ctx.smoke ? 1 : Math.max(5, ctx.runs);
    const duration = ctx.smoke ? 1_000 : 5_000;
    const library: PacedResult[] = [];
    const loop: PacedResult[] = [];
    for (let r = 0; r < runs; r++) {
      library.push(await paced(ctx, { kind: 'library', channels: 1, ms: duration }));
      loop.push(await paced(ctx, { kind: 'loop', channels: 1, ms: duration }));
    }
    const lib = medianOf(library);
    const base = medianOf(loop);
    return {
      figures: { runs, library: lib, loop: base, libraryRuns: library, loopRuns: loop },
      rows: [
        [
          'latency, 1 channel at 1,000 msg/s: p50',
          ms(lib.p50),
          `${ratio(lib.p50, base.p50)} loop`,
          check(ctx, lib.p50 <= 1.1 * base.p50, '<= 1.1× loop'),
        ],
        [
          'latency, 1 channel at 1,000 msg/s: p99',
          ms(lib.p99),
          `${ratio(lib.p99, base.p99)} loop`,
          check(ctx, lib.p99 <= 1.1 * base.p99, '<= 1.1× loop'),
        ],
        ['latency, 1 channel at 1,000 msg/s: max', ms(lib.max), '', ''],
        [
          'latency, 1 channel: consumer CPU per message',
          `${fmt(lib.cpuMicrosPerMessage, 1)} µs`,
          `${ratio(lib.cpuMicrosPerMessage, base.cpuMicrosPerMessage)} loop`,
          '',
        ],
        [
          'latency, 1 channel, hand-written blocking loop (baseline): p50 / p99 / max, CPU per message',
          `${fmt(base.p50, 3)} / ${fmt(base.p99, 3)} / ${fmt(base.max, 3)} ms, ${fmt(base.cpuMicrosPerMessage, 1)} µs`,
          '',
          '',
        ],
      ],
    };
  },
};

/**
 * Many channels on one server at 1,000 msg/s in total, spread over them: 1,000 channels beside
 * 10, their runs interleaved. Measures the consumer's connections, latency, and CPU time per
 * message (the cost of a message must not grow with the number of channels).
 */
import { medianOf, paced, type PacedResult } from '../paced.js';
import { check, fmt, ratio, type Scenario } from '../support.js';

export const manyChannels: Scenario = {
  name: 'manyChannels',
  async run(ctx) {
    const many = ctx.smoke ? 50 : 1_000;
    const few = ctx.smoke ? 5 : 10;
    const duration = ctx.smoke ? 1_000 : 5_000;
    const manyRuns: PacedResult[] = [];
    const fewRuns: PacedResult[] = [];
    for (let r = 0; r < ctx.runs; r++) {
      manyRuns.push(await paced(ctx, { kind: 'library', channels: many, ms: duration }));
      fewRuns.push(await paced(ctx, { kind: 'library', channels: few, ms: duration }));
    }
    const m = medianOf(manyRuns);
    const f = medianOf(fewRuns);
    const label = `${fmt(many)} channels at 1,000 msg/s`;
    return {
      figures: { many, few, manyChannels: m, fewChannels: f, manyRuns, fewRuns },
      rows: [
        [`${label}: connections of the consumer`, `${m.connections}`, '', check(ctx, m.connections <= 8, '<= 8')],
        [
          `${label}: latency p50 / p99`,
          `${fmt(m.p50, 3)} / ${fmt(m.p99, 3)} ms`,
          '',
          check(ctx, m.p99 <= 5, 'p99 <= 5 ms'),
        ],
        [
          `${label}: consumer CPU per message`,
          `${fmt(m.cpuMicrosPerMessage, 1)} µs`,
          `${ratio(m.cpuMicrosPerMessage, f.cpuMicrosPerMessage)} ${few} channels`,
          check(ctx, m.cpuMicrosPerMessage <= 1.5 * f.cpuMicrosPerMessage, `<= 1.5× ${few} channels`),
        ],
        [
          `${few} channels at 1,000 msg/s: connections, latency p50 / p99, CPU per message`,
          `${f.connections}, ${fmt(f.p50, 3)} / ${fmt(f.p99, 3)} ms, ${fmt(f.cpuMicrosPerMessage, 1)} µs`,
          '',
          '',
        ],
      ],
    };
  },
};

/**
 * The cost of redis-streamer/otel: consume (no-op handler, at-most-once) and publish throughput with
 * the subpath not loaded, and with tracing and metrics on (AlwaysOn sampler, batched spans to an
 * exporter that drops them, as the Node SDK sets things up), each measurement in a process of its
 * own (bench/otel-worker.ts) and the two modes taking turns. Prints the ratio and the cost per
 * message (wall time and this process's CPU time).
 */
import { spawn } from 'node:child_process';
import { check, fmt, median, ratio, type BenchContext, type Row, type Scenario } from '../support.js';

type Kind = 'consume' | 'batches' | 'concurrent';
interface Measured {
  readonly rate: number;
  readonly cpuMicrosPerMessage: number;
}

const WORKER = new URL('../otel-worker.ts', import.meta.url).pathname;
const FLOOR = new URL('../otel-floor.ts', import.meta.url).pathname;

function measure(ctx: BenchContext, kind: Kind, mode: 'off' | 'on'): Promise<Measured> {
  const n = ctx.smoke ? 2_000 : kind === 'consume' ? 200_000 : 100_000;
  return child<Measured>([WORKER, ctx.url, kind, mode, String(n)], `otel worker ${kind} ${mode}`);
}

/** The SDK's own calls for one consumed message, CPU µs (bench/otel-floor.ts). */
async function sdkFloor(ctx: BenchContext): Promise<number> {
  const n = ctx.smoke ? 2_000 : 200_000;
  return (await child<{ cpuMicrosPerMessage: number }>([FLOOR, String(n)], 'otel floor')).cpuMicrosPerMessage;
}

/** Runs a bench script in a process of its own; its one line of JSON. */
function child<T>(args: string[], what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    process_.stdout.on('data', (d: Buffer) => (out += d.toString()));
    process_.on('error', reject);
    process_.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`${what}: exit ${code}`)),
    );
  });
}

const LABELS: Record<Kind, string> = {
  consume: 'consume, at-most-once, no-op handler',
  batches: 'publish, sendMessages batches of 1000',
  concurrent: 'publish, sendMessage 1000 concurrent',
};

export const otel: Scenario = {
  name: 'otel',
  async run(ctx) {
    const runs: Record<Kind, { off: Measured[]; on: Measured[] }> = {
      consume: { off: [], on: [] },
      batches: { off: [], on: [] },
      concurrent: { off: [], on: [] },
    };
    const floors: number[] = [];
    for (let r = 0; r < ctx.runs; r++) {
      for (const kind of Object.keys(runs) as Kind[]) {
        runs[kind].off.push(await measure(ctx, kind, 'off'));
        runs[kind].on.push(await measure(ctx, kind, 'on'));
      }
      floors.push(await sdkFloor(ctx));
    }
    const figures: Record<string, object> = {};
    const rows: Row[] = [];
    for (const kind of Object.keys(runs) as Kind[]) {
      const off = median(runs[kind].off.map((m) => m.rate));
      const on = median(runs[kind].on.map((m) => m.rate));
      const cpuOff = median(runs[kind].off.map((m) => m.cpuMicrosPerMessage));
      const cpuOn = median(runs[kind].on.map((m) => m.cpuMicrosPerMessage));
      const wallCost = 1e6 / on - 1e6 / off;
      figures[kind] = {
        off,
        on,
        ratio: on / off,
        wallMicrosPerMessage: wallCost,
        cpuMicrosPerMessage: cpuOn - cpuOff,
        runs: runs[kind],
      };
      rows.push(
        [`otel: ${LABELS[kind]}, subpath not loaded`, `${fmt(off)} msg/s`, '', ''],
        [
          `otel: ${LABELS[kind]}, tracing and metrics on (AlwaysOn)`,
          `${fmt(on)} msg/s, +${fmt(wallCost, 1)} µs/msg (CPU +${fmt(cpuOn - cpuOff, 1)} µs)`,
          `${ratio(on, off)} off`,
          kind === 'consume' ? check(ctx, on / off >= 0.6, '>= 0.6× off') : '',
        ],
      );
    }
    // What the SDK's calls alone would leave of the consume rate, were the library's part free.
    const floor = median(floors);
    const offMicros = 1e6 / median(runs.consume.off.map((m) => m.rate));
    const bound = offMicros / (offMicros + floor);
    figures['sdkFloor'] = { cpuMicrosPerMessage: floor, boundOnRatio: bound, runs: floors };
    rows.push([
      'otel: the SDK alone per consumed message (extract, span, context, histogram; no Redis)',
      `${fmt(floor, 1)} µs CPU/msg`,
      `bounds consume at ${fmt(bound, 2)}× off`,
      '',
    ]);
    return { figures, rows };
  },
};

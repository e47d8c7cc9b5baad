/**
 * What the benchmark's scenarios share: the run's settings and its private Redis, fresh streams,
 * medians, message bodies, and the table's formatting. A scenario (bench/scenarios/*.ts) measures
 * one thing and returns its figures and its rows; bench/run.ts runs them and writes the results.
 */
import type { Redis } from 'ioredis';
import { pipelinedXadd } from './baselines.js';

/** What every scenario is given. */
export interface BenchContext {
  /** Tiny sizes, one run: checks that the benchmark works, the figures mean nothing. */
  readonly smoke: boolean;
  /** Runs per figure (its median is reported). */
  readonly runs: number;
  /** The private redis-server's URL. */
  readonly url: string;
  /** A raw client on it, for setup and checks. */
  readonly client: Redis;
}

/** A row of the table: scenario, figure, ratio, target check. */
export type Row = readonly [scenario: string, figure: string, ratio: string, target: string];

/** What a scenario returns. */
export interface ScenarioResult {
  /** Figures for bench/results.json. */
  readonly figures: object;
  readonly rows: readonly Row[];
}

/** A scenario: a name (the key of its figures) and how it runs. */
export interface Scenario {
  readonly name: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}

let streamNo = 0;

/** About 100 bytes, as the messages of every scenario. */
export function body(i: number): string {
  return JSON.stringify({
    i,
    user: `user-${String(i).padStart(6, '0')}`,
    amount: 12.5,
    currency: 'EUR',
    ts: '2026-11-27T10:00:00.000Z',
  });
}

/** Empties Redis and returns a new stream name, filled with `fill` entries. */
export async function freshStream(ctx: BenchContext, fill: number): Promise<string> {
  const stream = `bench-${++streamNo}`;
  await ctx.client.flushall();
  if (fill > 0)
    await pipelinedXadd(
      ctx.client,
      stream,
      Array.from({ length: fill }, (_, i) => body(i)),
    );
  return stream;
}

/** A name no earlier stream of this run has. */
export function nextName(prefix: string): string {
  return `${prefix}-${++streamNo}`;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median of `runs` runs. */
export async function repeat(runs: number, run: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let r = 0; r < runs; r++) values.push(await run());
  return median(values);
}

/** The value at quantile `q` of sorted samples. */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** `a / b` as a ratio, e.g. `1.05×`. */
export const ratio = (a: number, b: number): string => `${fmt(a / b, 2)}×`;

/** A target check: PASS or MISS (no verdict in smoke mode, whose sizes are too small to mean anything). */
export function check(ctx: BenchContext, ok: boolean, target: string): string {
  if (ctx.smoke) return `(smoke) ${target}`;
  return `${ok ? 'PASS' : 'MISS'} ${target}`;
}

/** Waits `ms`. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Wall-clock ms with sub-ms precision, comparable between processes on this machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The channels of a paced run: `prefix` alone, or `prefix-0` ... `prefix-<count - 1>`. */
export function channelNames(prefix: string, count: number): string[] {
  return count === 1 ? [prefix] : Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

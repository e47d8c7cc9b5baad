/**
 * The third table of `npm run bench`: each figure measured on both adapters, side by side with the
 * node-redis / ioredis ratio. A row's figure is compared when it starts with a number and both runs
 * gave the row (the same scenario label); the first number and its unit are compared (msg/s, ms,
 * µs, MB...). Rows about one client only (the `clients` scenario) have no twin and are left out.
 */
import { fmt, type Row } from './support.js';

/**
 * The figure's main part (before a comma or a parenthesis), as numbers with their units: `12,345
 * msg/s` is one, `1.7 ms / 8.9 ms` (p50 / p99) two; undefined when a part does not start with one.
 */
function parts(figure: string): Array<{ value: number; unit: string }> | undefined {
  const main = figure.split(/, | \(/)[0] ?? '';
  const out: Array<{ value: number; unit: string }> = [];
  for (const part of main.split(' / ')) {
    const match = /^\+?([\d,]+(?:\.\d+)?)\s*(.*)$/.exec(part.trim());
    if (match === null) return undefined;
    const value = Number((match[1] ?? '').replace(/,/g, ''));
    if (!Number.isFinite(value) || value === 0) return undefined;
    out.push({ value, unit: match[2] ?? '' });
  }
  return out;
}

/** One row per figure measured on both clients: label, ioredis figure, node-redis figure, ratio(s). */
export function compareClients(ioredis: readonly Row[], nodeRedis: readonly Row[]): string[][] {
  const other = new Map(nodeRedis.map((r) => [r[0], r[1]]));
  const out: string[][] = [];
  for (const [label, figure] of ioredis) {
    const twin = other.get(label);
    if (twin === undefined) continue;
    const a = parts(figure);
    const b = parts(twin);
    if (a === undefined || b === undefined || a.length !== b.length) continue;
    if (a.some((x, i) => x.unit !== b[i]?.unit)) continue;
    const show = (xs: Array<{ value: number; unit: string }>): string =>
      xs.map((x) => `${fmt(x.value, x.value < 100 ? 2 : 0)} ${x.unit}`.trim()).join(' / ');
    out.push([label, show(a), show(b), a.map((x, i) => `${fmt((b[i]?.value ?? 0) / x.value, 2)}×`).join(' / ')]);
  }
  return out;
}

/**
 * A Prometheus histogram kept in this process: per label set, a count per bucket, the sum and the
 * count of observations. Observing costs a short scan of the bounds and a few additions; nothing
 * is allocated after a label set's first observation.
 */
import { formatLabels, formatValue, type Labels } from './prometheus.js';

interface Series {
  readonly labels: Labels;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  readonly counts: number[];
  sum: number;
  count: number;
}

/** Observations by label set. */
export class Histogram {
  private readonly series = new Map<string, Series>();

  /** @param bounds the buckets' upper bounds, increasing (+Inf is added). */
  constructor(private readonly bounds: readonly number[]) {}

  /** Adds one observation to the series of `labels` (whose `key` identifies them). */
  observe(key: string, labels: () => Labels, value: number): void {
    let s = this.series.get(key);
    if (s === undefined) {
      s = { labels: labels(), counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    let i = 0;
    while (i < this.bounds.length && value > (this.bounds[i] as number)) i++;
    (s.counts[i] as number)++;
    s.sum += value;
    s.count++;
  }

  /** The sample lines of every series: cumulative `_bucket`s with `le`, then `_sum` and `_count`. */
  lines(name: string): string[] {
    const out: string[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      s.counts.forEach((n, i) => {
        cumulative += n;
        const le = i < this.bounds.length ? formatValue(this.bounds[i] as number) : '+Inf';
        out.push(`${name}_bucket${formatLabels([...s.labels, ['le', le]])} ${cumulative}`);
      });
      out.push(`${name}_sum${formatLabels(s.labels)} ${formatValue(s.sum)}`);
      out.push(`${name}_count${formatLabels(s.labels)} ${s.count}`);
    }
    return out;
  }
}

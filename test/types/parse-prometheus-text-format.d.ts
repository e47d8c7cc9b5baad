/** Types of parse-prometheus-text-format (a test dependency that ships none): prom2json's shape. */
declare module 'parse-prometheus-text-format' {
  /** One sample of a family (a histogram's has buckets, count and sum instead of a value). */
  export interface PromSample {
    readonly labels?: Readonly<Record<string, string>>;
    readonly value?: string;
    readonly buckets?: Readonly<Record<string, string>>;
    readonly count?: string;
    readonly sum?: string;
  }
  /** One metric family. */
  export interface PromFamily {
    readonly name: string;
    readonly help: string;
    readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    readonly metrics: readonly PromSample[];
  }
  /** Parses the Prometheus text format; throws on a malformed text. */
  export default function parsePrometheusTextFormat(text: string): PromFamily[];
}

/**
 * The process's own figures in the Prometheus text format, with no dependency: a service serves
 * them at its `/metrics` with `node:http` alone. Where `renderPrometheus` (the dashboard's
 * `/metrics`) says what Redis holds (stream lengths, lag, pending: the same whichever process asks),
 * these say what this process did: its streamers' counters (`getStats()`) and how long its handlers
 * took, per channel and group. Opt-in: nothing is timed until the middleware is added.
 */
import { ConfigError } from '../errors.js';
import type { Middleware } from '../middleware.js';
import type { Counters, StreamerStats } from '../stats.js';
import { checkOptions, describe, type OptionsSpec } from '../validate.js';
import { Histogram } from './histogram.js';
import { escapeHelp, formatLabels, formatValue, METRIC_PREFIX } from './prometheus.js';

/** Options of {@link processMetrics}. */
export interface ProcessMetricsOptions {
  /**
   * The prefix of every metric name (`<prefix>_handled_total`...). It must be a valid metric name.
   * @default 'redis_streamer'
   */
  readonly prefix?: string;
  /**
   * The upper bounds of the handler-duration histogram's buckets, in seconds, increasing.
   * @default [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] (the
   *   OpenTelemetry messaging conventions' boundaries)
   */
  readonly buckets?: readonly number[];
}

/** What {@link processMetrics} returns. */
export interface ProcessMetrics {
  /**
   * Times every handling of a message: add it with `streamer.use(metrics.middleware)` before
   * `persistConsume()` (several streamers may share it). Outermost middleware times the others too.
   */
  readonly middleware: Middleware;
  /**
   * The text to serve (with `PROMETHEUS_CONTENT_TYPE`): the counters of each streamer whose
   * `getStats()` is given (labelled `service` and `channel`), whether it consumes, and the
   * handler-duration histogram (labelled `service`, `channel`, `group` and `outcome`: `handled` or
   * `failed`).
   * @throws ConfigError when `stats` is not what `getStats()` returns (or an array of them).
   */
  render(stats?: StreamerStats | readonly StreamerStats[]): string;
}

/** The counters rendered: key in {@link Counters}, metric name after the prefix, help. */
const COUNTERS: ReadonlyArray<readonly [keyof Counters, string, string]> = [
  ['published', 'published_total', 'Messages published.'],
  ['delivered', 'delivered_total', 'Entries read for handling (fresh, retried and reclaimed).'],
  ['handled', 'handled_total', 'Entries whose handlers all succeeded.'],
  ['failed', 'failed_total', 'Handling attempts in which a handler failed.'],
  ['retried', 'retried_total', 'Retry attempts (at-least-once mode).'],
  ['reclaimed', 'reclaimed_total', 'Entries taken over from other consumers (at-least-once mode).'],
  ['deduplicated', 'deduplicated_total', 'Entries skipped by the dedup guard, or replays meant for another group.'],
  ['deadLettered', 'dead_lettered_total', 'Entries moved to the dead-letter stream.'],
  ['trimmedUnread', 'trimmed_unread_total', 'Entries removed by retention before a group read them.'],
  ['deadLettersDropped', 'dead_letters_dropped_total', "Dead letters dropped by the stream's cap or age."],
  ['retryRecordsRemoved', 'retry_records_removed_total', 'Retry records removed because their group was destroyed.'],
];

const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** The run-time checks (see validate.ts) of `processMetrics` options. */
const PROCESS_METRICS: OptionsSpec<ProcessMetricsOptions> = {
  call: 'processMetrics()',
  argument: 'first',
  example: () => '{ prefix: "app" }',
  rules: {
    prefix: METRIC_PREFIX,
    buckets: {
      expected: 'a non-empty array of at most 100 finite numbers > 0 in increasing order (seconds)',
      test: (v) =>
        Array.isArray(v) &&
        v.length > 0 &&
        v.length <= 100 &&
        v.every(
          (b, i) => typeof b === 'number' && Number.isFinite(b) && b > 0 && (i === 0 || b > (v[i - 1] as number)),
        ),
    },
  },
};

/**
 * A handler-duration histogram and a renderer of the streamers' counters, in the Prometheus text
 * format 0.0.4.
 *
 * ```ts
 * const metrics = processMetrics();
 * streamer.use(metrics.middleware);
 * http.createServer(async (req, res) => {
 *   res.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE);
 *   res.end(metrics.render(await streamer.getStats()));
 * });
 * ```
 * @throws ConfigError on an unknown option or a wrong value (a prefix that is not a metric name,
 *   buckets not increasing).
 */
export function processMetrics(options: ProcessMetricsOptions = {}): ProcessMetrics {
  const o = checkOptions(PROCESS_METRICS, options);
  const prefix = o.prefix ?? 'redis_streamer';
  const durations = new Histogram(o.buckets ?? DEFAULT_BUCKETS);
  const middleware: Middleware = async (message, next) => {
    const started = performance.now();
    let outcome = 'failed';
    try {
      await next();
      outcome = 'handled';
    } finally {
      const { service, channel, group } = message.context;
      durations.observe(
        `${service}\n${channel}\n${group}\n${outcome}`,
        () => [
          ['service', service],
          ['channel', channel],
          ['group', group],
          ['outcome', outcome],
        ],
        (performance.now() - started) / 1000,
      );
    }
  };
  return {
    middleware,
    render: (stats) => render(prefix, statsList(stats), durations),
  };
}

function render(prefix: string, all: readonly StreamerStats[], durations: Histogram): string {
  const lines: string[] = [];
  const family = (name: string, type: string, help: string): string => {
    const full = `${prefix}_${name}`;
    lines.push(`# HELP ${full} ${escapeHelp(help)}`, `# TYPE ${full} ${type}`);
    return full;
  };
  for (const [key, name, help] of COUNTERS) {
    const full = family(name, 'counter', help);
    for (const s of all) {
      for (const [channel, c] of Object.entries(s.perChannel)) {
        lines.push(
          `${full}${formatLabels([
            ['service', s.service],
            ['channel', channel],
          ])} ${formatValue(c[key])}`,
        );
      }
    }
  }
  const consuming = family('consuming', 'gauge', 'Whether the streamer runs persistConsume (1) or not (0).');
  for (const s of all) lines.push(`${consuming}${formatLabels([['service', s.service]])} ${s.consuming ? 1 : 0}`);
  const duration = family(
    'handler_duration_seconds',
    'histogram',
    'How long the handling of a message took (its middleware and handlers), in seconds.',
  );
  lines.push(...durations.lines(duration));
  return `${lines.join('\n')}\n`;
}

/** The stats given to render(), checked. */
function statsList(stats: StreamerStats | readonly StreamerStats[] | undefined): readonly StreamerStats[] {
  if (stats === undefined) return [];
  const list = Array.isArray(stats) ? (stats as readonly unknown[]) : [stats];
  list.forEach((s, i) => {
    const ok =
      typeof s === 'object' &&
      s !== null &&
      typeof (s as Partial<StreamerStats>).service === 'string' &&
      typeof (s as Partial<StreamerStats>).perChannel === 'object';
    if (!ok) {
      const what = Array.isArray(stats) ? `stats[${i}]` : 'the stats (first argument)';
      throw new ConfigError(
        `processMetrics().render(): ${what} must be what streamer.getStats() returns; got ${describe(s)}`,
      );
    }
  });
  return list as readonly StreamerStats[];
}

/**
 * The Inspector's figures in the Prometheus text exposition format (version 0.0.4), with no
 * dependency: the dashboard serves them at `/metrics`, and an application can serve them from its
 * own HTTP server.
 */
import { ConfigError } from '../errors.js';
import type { ChannelInfo, ConsumerInfo, GroupInfo } from '../inspect/inspector.js';
import { checkOptions, describe, type OptionsSpec, type Rule } from '../validate.js';

/** Options of {@link renderPrometheus}. */
export interface PrometheusOptions {
  /**
   * The prefix of every metric name (`<prefix>_stream_length`...). It must be a valid metric name.
   * @default 'redis_streamer'
   */
  readonly prefix?: string;
}

/** The Content-Type of what {@link renderPrometheus} returns. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A sample's labels, in order. */
export type Labels = readonly (readonly [string, string])[];

interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly samples: (channels: readonly ChannelInfo[]) => Sample[];
}

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes HELP text: backslash and line feed. */
export function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as the format writes it (`NaN`, `+Inf`, `-Inf` included). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** A sample's labels as the format writes them: `{name="value",...}`, escaped; nothing for none. */
export function formatLabels(labels: Labels): string {
  if (labels.length === 0) return '';
  return `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

function perChannel(value: (c: ChannelInfo) => number): Family['samples'] {
  return (channels) => channels.map((c) => ({ labels: [['channel', c.channel]], value: value(c) }));
}

function perGroup(value: (g: GroupInfo) => number | null): Family['samples'] {
  return (channels) =>
    channels.flatMap((c) =>
      c.groups.flatMap((g) => {
        const v = value(g);
        if (v === null) return [];
        return [
          {
            labels: [
              ['channel', c.channel],
              ['group', g.name],
            ],
            value: v,
          },
        ];
      }),
    );
}

function perConsumer(value: (k: ConsumerInfo) => number): Family['samples'] {
  return (channels) =>
    channels.flatMap((c) =>
      c.groups.flatMap((g) =>
        g.consumers.map((k) => ({
          labels: [
            ['channel', c.channel],
            ['group', g.name],
            ['consumer', k.name],
          ] as const,
          value: value(k),
        })),
      ),
    );
}

const FAMILIES: readonly Family[] = [
  { name: 'stream_length', help: "Entries in the channel's stream.", samples: perChannel((c) => c.length) },
  {
    name: 'dead_letters',
    help: "Records in the channel's dead-letter stream.",
    samples: perChannel((c) => c.deadLetters),
  },
  {
    name: 'group_lag',
    help: 'Entries not yet delivered to the group (absent when Redis cannot tell).',
    samples: perGroup((g) => g.lag),
  },
  {
    name: 'group_pending',
    help: 'Entries delivered to the group and not acknowledged.',
    samples: perGroup((g) => g.pending),
  },
  {
    name: 'group_oldest_pending_age_seconds',
    help: "Age of the group's oldest pending entry in seconds (0 when nothing is pending).",
    samples: perGroup((g) => (g.oldestPendingAgeMs ?? 0) / 1000),
  },
  { name: 'group_consumers', help: 'Consumers of the group.', samples: perGroup((g) => g.consumers.length) },
  {
    name: 'group_live',
    help: 'Whether the group is live (1) or stale (0: it no longer holds retention back).',
    samples: perGroup((g) => (g.live ? 1 : 0)),
  },
  {
    name: 'consumer_pending',
    help: 'Entries delivered to the consumer and not acknowledged.',
    samples: perConsumer((k) => k.pending),
  },
  {
    name: 'consumer_idle_seconds',
    help: 'Seconds since the consumer last asked Redis for anything.',
    samples: perConsumer((k) => k.idleMs / 1000),
  },
];

/** A Prometheus metric name. */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export const METRIC_PREFIX: Rule = {
  expected: 'a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)',
  test: (v) =>
    typeof v !== 'string' ? false : METRIC_NAME.test(v) || `got ${describe(v)}, which is not a valid metric name`,
};

/** The run-time checks (see validate.ts) of `renderPrometheus` options. */
const PROMETHEUS: OptionsSpec<PrometheusOptions> = {
  call: 'renderPrometheus()',
  argument: 'second',
  example: (got) => `{ prefix: ${typeof got === 'string' && METRIC_NAME.test(got) ? JSON.stringify(got) : '"app"'} }`,
  rules: { prefix: METRIC_PREFIX },
};

/**
 * Renders channels (as `Inspector.channel()` returns them) in the Prometheus text format 0.0.4:
 * every metric is a gauge with a `# HELP` and a `# TYPE` line, its samples together, labels
 * escaped. Per channel: `<prefix>_stream_length`, `<prefix>_dead_letters`; per channel and group:
 * `_group_lag` (no sample when the lag is unknown), `_group_pending`,
 * `_group_oldest_pending_age_seconds`, `_group_consumers`, `_group_live`; per consumer:
 * `_consumer_pending`, `_consumer_idle_seconds`. Serve it with {@link PROMETHEUS_CONTENT_TYPE}.
 * @param channels the channels to expose.
 * @param options.prefix the metric name prefix. @default 'redis_streamer'
 * @throws ConfigError when `channels` is not an array of what `Inspector.channel()` returns, or an
 *   option is wrong (an unknown one, a prefix that is not a valid metric name).
 */
export function renderPrometheus(channels: readonly ChannelInfo[], options: PrometheusOptions = {}): string {
  checkChannels(channels);
  const prefix = checkOptions(PROMETHEUS, options).prefix ?? 'redis_streamer';
  const lines: string[] = [];
  for (const family of FAMILIES) {
    const name = `${prefix}_${family.name}`;
    lines.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} gauge`);
    for (const s of family.samples(channels)) lines.push(`${name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

const CHANNELS = 'an array of channels as inspector.channel() returns them';

/**
 * Checks what the families walk (the arrays, the names, the channels' counts), so that a wrong
 * argument is a ConfigError naming where it is wrong rather than a TypeError from inside.
 */
function checkChannels(channels: unknown): void {
  const fail = (what: string, got: unknown): never => {
    throw new ConfigError(`renderPrometheus(): ${what}; got ${describe(got)} (the first argument is ${CHANNELS})`);
  };
  if (!Array.isArray(channels)) {
    throw new ConfigError(`renderPrometheus(): the first argument must be ${CHANNELS}; got ${describe(channels)}`);
  }
  const list = channels as readonly unknown[];
  for (let i = 0; i < list.length; i++) {
    const at = `channels[${i}]`;
    const c = list[i] as Partial<Record<keyof ChannelInfo, unknown>> | null | undefined;
    if (!(i in list) || typeof c !== 'object' || c === null) fail(`${at} must be a channel`, c);
    const channel = c as Partial<Record<keyof ChannelInfo, unknown>>;
    if (typeof channel.channel !== 'string') fail(`${at}.channel must be a string`, channel.channel);
    for (const key of ['length', 'deadLetters'] as const) {
      if (typeof channel[key] !== 'number') fail(`${at}.${key} must be a number`, channel[key]);
    }
    if (!Array.isArray(channel.groups)) fail(`${at}.groups must be an array`, channel.groups);
    (channel.groups as readonly unknown[]).forEach((g, j) => checkGroup(`${at}.groups[${j}]`, g, fail));
  }
}

function checkGroup(at: string, group: unknown, fail: (what: string, got: unknown) => never): void {
  if (typeof group !== 'object' || group === null) fail(`${at} must be a group`, group);
  const g = group as Partial<Record<keyof GroupInfo, unknown>>;
  if (typeof g.name !== 'string') fail(`${at}.name must be a string`, g.name);
  for (const key of ['pending', 'consumers'] as const) {
    const ok = key === 'consumers' ? Array.isArray(g[key]) : typeof g[key] === 'number';
    if (!ok) fail(`${at}.${key} must be ${key === 'consumers' ? 'an array' : 'a number'}`, g[key]);
  }
  (g.consumers as readonly unknown[]).forEach((k, i) => {
    const consumer = k as Partial<Record<keyof ConsumerInfo, unknown>> | null;
    if (typeof consumer !== 'object' || consumer === null || typeof consumer.name !== 'string') {
      fail(`${at}.consumers[${i}] must be a consumer with a name`, consumer);
    }
  });
}

/**
 * The outbox's figures in the Prometheus text format, to append to `renderPrometheus()`'s output
 * on your `/metrics`: the relays' counters in this process, and the table's state (what waits, the
 * oldest row's age, failing and dead rows), both labelled with the table.
 */
import { ConfigError } from '../index.js';
import type { OutboxRelayStats } from './relay-stats.js';
import type { OutboxStatus } from './status.js';

/** What {@link renderOutboxPrometheus} renders; either part may be left out. */
export interface OutboxMetricsInput {
  /** The figures of this process's relays (`relay.getStats()`). */
  readonly relays?: readonly OutboxRelayStats[];
  /** The table's state (`outbox.status(db)`). */
  readonly status?: OutboxStatus;
}

/** Options of {@link renderOutboxPrometheus}. */
export interface OutboxPrometheusOptions {
  /**
   * The prefix of every metric name, as `renderPrometheus`'s.
   * @default 'redis_streamer'
   */
  readonly prefix?: string;
}

type Sample = readonly [labels: string, value: number];

interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly samples: readonly Sample[];
}

function label(name: string, value: string): string {
  return `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

type Spec<T> = readonly [name: string, type: Family['type'], help: string, value: (item: T) => number];

const RELAY: readonly Spec<OutboxRelayStats>[] = [
  ['outbox_published_total', 'counter', 'Outbox rows published by this process', (s) => s.published],
  ['outbox_failed_attempts_total', 'counter', 'Failed publishes counted against outbox rows', (s) => s.failedAttempts],
  ['outbox_dead_total', 'counter', 'Outbox rows this process gave up on', (s) => s.deadRows],
  [
    'outbox_stale_total',
    'counter',
    'Outbox rows published after waiting longer than the idempotency window',
    (s) => s.staleRows,
  ],
  ['outbox_relay_errors_total', 'counter', 'Database or Redis errors met by the relay (retried)', (s) => s.errors],
  [
    'outbox_relay_listening',
    'gauge',
    'Whether the relay listens for NOTIFY (1) or polls (0)',
    (s) => (s.listening ? 1 : 0),
  ],
];

type ChannelStatus = OutboxStatus['channels'][number];

const CHANNEL: readonly Spec<ChannelStatus>[] = [
  ['outbox_unpublished_rows', 'gauge', 'Outbox rows waiting to be published', (c) => c.unpublished],
  ['outbox_failing_rows', 'gauge', 'Waiting outbox rows whose publish failed at least once', (c) => c.failing],
  ['outbox_dead_rows', 'gauge', 'Dead outbox rows (no longer retried)', (c) => c.dead],
];

function families(input: OutboxMetricsInput): Family[] {
  const out: Family[] = [];
  const relays = input.relays ?? [];
  if (input.relays !== undefined) {
    for (const [name, type, help, value] of RELAY) {
      out.push({ name, type, help, samples: relays.map((s) => [`{${label('table', s.table)}}`, value(s)]) });
    }
  }
  const status = input.status;
  if (status === undefined) return out;
  const table = label('table', status.table);
  for (const [name, type, help, value] of CHANNEL) {
    out.push({
      name,
      type,
      help,
      samples: status.channels.map((c) => [`{${table},${label('channel', c.channel)}}`, value(c)]),
    });
  }
  const oldest = status.oldestUnpublishedAgeMs;
  out.push({
    name: 'outbox_oldest_unpublished_age_seconds',
    type: 'gauge',
    help: 'Age of the oldest outbox row waiting to be published (0 when none waits)',
    samples: [[`{${table}}`, oldest === null ? 0 : oldest / 1000]],
  });
  return out;
}

/** Renders the outbox's metrics (see the file's comment). */
export function renderOutboxPrometheus(input: OutboxMetricsInput, options: OutboxPrometheusOptions = {}): string {
  const prefix = options.prefix ?? 'redis_streamer';
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) {
    throw new ConfigError(
      `renderOutboxPrometheus(): option \`prefix\` must be a valid metric name; got ${JSON.stringify(prefix)}`,
    );
  }
  const lines: string[] = [];
  for (const f of families(input)) {
    const name = `${prefix}_${f.name}`;
    lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
    for (const [labels, value] of f.samples) lines.push(`${name}${labels} ${String(value)}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

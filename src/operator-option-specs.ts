/**
 * The run-time checks (see validate.ts) of the options of the operator's tools: the Inspector and
 * its calls (trim, tail, replays), `aclRules`, `renderPrometheus` and `processMetrics`. As for the streamer's options
 * (option-specs.ts), an unknown key, a value of the wrong type or an unknown role is a ConfigError
 * naming the option, with a suggestion.
 */
import type { AclOptions } from './acl.js';
import type { InspectorOptions, PreviewTrimOptions, TrimOptions } from './inspect/inspector.js';
import type { ReplayOptions } from './inspect/replay.js';
import type { TailOptions } from './inspect/tail.js';
import type { ProcessMetricsOptions } from './metrics/process-metrics.js';
import type { PrometheusOptions } from './metrics/prometheus.js';
import { abortSignal, boolean, func, integer, oneOf, streamId, stringList, timer, withMethods } from './rules.js';
import { describe, type OptionsSpec, type Rule } from './validate.js';

const LOGGER = withMethods(
  'logger',
  ['debug', 'info', 'warn', 'error'],
  'an object with debug, info, warn and error functions (a pino logger fits)',
);

export const INSPECTOR: OptionsSpec<InspectorOptions> = {
  call: 'new Inspector()',
  argument: 'second',
  example: (got) => (typeof got === 'number' ? `{ staleGroupMs: ${got} }` : '{ staleGroupMs: 86400000 }'),
  rules: { staleGroupMs: integer(1), logger: LOGGER },
};

const TRIM_RULES = { retentionMs: integer(1), deadLetterRetentionMs: integer(1) };
const trimExample = (got: unknown): string =>
  typeof got === 'number' && Number.isInteger(got) && got > 0 ? `{ retentionMs: ${got} }` : '{ retentionMs: 86400000 }';

export const TRIM: OptionsSpec<TrimOptions> = {
  call: 'inspector.trim()',
  argument: 'second',
  example: trimExample,
  rules: TRIM_RULES,
  required: ['retentionMs'],
};

export const PREVIEW_TRIM: OptionsSpec<PreviewTrimOptions> = {
  call: 'inspector.previewTrim()',
  argument: 'second',
  example: trimExample,
  rules: { ...TRIM_RULES, countLimit: integer(1) },
  required: ['retentionMs'],
};

export const TAIL: OptionsSpec<TailOptions> = {
  call: 'inspector.tail()',
  argument: 'second',
  example: (got) => (typeof got === 'boolean' ? `{ fromStart: ${got} }` : '{ fromStart: true }'),
  rules: {
    fromStart: boolean(),
    after: streamId(),
    signal: abortSignal(),
    blockMs: timer(1),
    pageSize: integer(1, 10_000),
  },
};

export const REPLAY: OptionsSpec<ReplayOptions> = {
  call: 'inspector.replayDeadLetters()',
  argument: 'third',
  example: (got) => (typeof got === 'number' ? `{ batchSize: ${got} }` : '{ batchSize: 100 }'),
  rules: { batchSize: integer(1, 10_000), onProgress: func('a function (progress) => void') },
};

/** A Prometheus metric name. */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

const METRIC_PREFIX: Rule = {
  expected: 'a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)',
  test: (v) =>
    typeof v !== 'string' ? false : METRIC_NAME.test(v) || `got ${describe(v)}, which is not a valid metric name`,
};

export const PROMETHEUS: OptionsSpec<PrometheusOptions> = {
  call: 'renderPrometheus()',
  argument: 'second',
  example: (got) => `{ prefix: ${typeof got === 'string' && METRIC_NAME.test(got) ? JSON.stringify(got) : '"app"'} }`,
  rules: { prefix: METRIC_PREFIX },
};

export const PROCESS_METRICS: OptionsSpec<ProcessMetricsOptions> = {
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

const ROLES = ['consumer', 'publisher', 'monitor'] as const;
const NO_SUCH_ROLE =
  "there is no such role: 'consumer' reads and writes its channels, 'publisher' appends to them, 'monitor' only reads";

export const ACL: OptionsSpec<AclOptions> = {
  call: 'aclRules()',
  argument: 'first',
  example: (got) =>
    `{ role: ${typeof got === 'string' && (ROLES as readonly string[]).includes(got) ? `'${got}'` : "'consumer'"}, channels: ['orders'] }`,
  required: ['role'],
  rules: {
    // Never a default: a typo must not give a read-only tool a consumer's write rights.
    role: oneOf(ROLES, {
      readonly: "the read-only role is 'monitor'",
      read: "the read-only role is 'monitor'",
      reader: "the read-only role is 'monitor'",
      viewer: "the read-only role is 'monitor'",
      producer: "the role that only appends is 'publisher'",
      subscriber: "the role that consumes is 'consumer'",
      admin: NO_SUCH_ROLE,
      readwrite: NO_SUCH_ROLE,
      writer: NO_SUCH_ROLE,
      all: NO_SUCH_ROLE,
    }),
    channels: stringList('a non-empty array of channel names, such as ["orders"] (a trailing * is a pattern)'),
    ledger: boolean(),
    waitForReplicas: boolean(),
  },
};

/**
 * The run-time checks of the streamer's options objects and of a connection's (see validate.ts): the
 * rule of each option, the names other libraries (dtpyfw) use for them, and examples for a
 * positional argument given where an options object belongs. The publish options' specs are in
 * publish/publish-options.ts; each operator tool's (Inspector, aclRules, renderPrometheus,
 * processMetrics, startDashboard) beside the tool.
 */
import type { RedisConnectionOptions } from './connection/connection-options.js';
import type { HandlerOptions } from './handlers.js';
import { HOOK_NAMES, type StreamerHooks } from './hooks.js';
import type {
  ChannelOptions,
  ConsumeOptions,
  DeadLetterListOptions,
  RedisStreamerOptions,
  SubscribeOptions,
} from './options.js';
import {
  abortSignal,
  boolean,
  callbacks,
  either,
  func,
  integer,
  MAX_TIMER_MS,
  oneOf,
  plainObject,
  positiveNumber,
  streamId,
  string,
  timer,
  withMethods,
} from './rules.js';
import { describe, type OptionsSpec, type RelatedSpec, type Rule } from './validate.js';

/**
 * The longest idempotency window: publish-keyed-3.lua writes it into its generation's record as a
 * Lua number, whose text stays plain digits far beyond this (from 1e14 on it would be 1e+14).
 */
const MAX_PUBLISH_DEDUP_WINDOW_MS = 10 * 365 * 24 * 3600 * 1000;
/** The largest message: Redis's largest string by default (`proto-max-bulk-len`). */
export const MAX_MESSAGE_BYTES = 512 * 1024 * 1024;

const MS_NOT_SECONDS = 'milliseconds, not seconds';
const DTPYFW = "dtpyfw's name";
const DELIVERY_MODES = ['at-most-once', 'at-least-once'] as const;
const GUARD_KINDS = ['watermark', 'ledger'] as const;

export const STREAMER: OptionsSpec<RedisStreamerOptions> = {
  call: 'new RedisStreamer()',
  argument: 'third',
  // dtpyfw's third positional parameter is dedup_window_ms.
  example: (got) => (typeof got === 'number' ? `{ dedupWindowMs: ${got} }` : '{ delivery: "at-least-once" }'),
  rules: {
    dedupWindowMs: integer(1),
    delivery: oneOf(DELIVERY_MODES),
    dedupGuard: oneOf(GUARD_KINDS),
    deadLetterMaxLen: integer(1),
    deadLetterRetentionMs: integer(1),
    middleware: middlewareList(),
    maxAttempts: integer(1),
    retryBaseMs: integer(1),
    retryMaxMs: integer(1),
    claimIdleMs: timer(3),
    claimIntervalMs: timer(1),
    consumerIdleMs: integer(1),
    staleGroupMs: integer(1),
    maxMessageBytes: integer(1, MAX_MESSAGE_BYTES, ' (512 MiB, the largest string Redis takes by default)'),
    publishDedupWindowMs: integer(1, MAX_PUBLISH_DEDUP_WINDOW_MS, ' (10 years)'),
    publishRetries: integer(0, 100),
    shutdownTimeoutMs: timer(1),
    logger: withMethods(
      'logger',
      ['debug', 'info', 'warn', 'error'],
      'an object with debug, info, warn and error functions (a pino logger fits)',
    ),
    hooks: callbacks('hooks', HOOK_NAMES),
  },
  aliases: { dedup_window_ms: { use: 'dedupWindowMs', source: DTPYFW } },
  related: () => RELATED,
};

/** A set of hooks given to `streamer.use()`: each one a function. */
export const HOOK_SET: OptionsSpec<StreamerHooks> = {
  call: 'use()',
  argument: 'first',
  takes: 'a middleware function or an object of hooks',
  example: () => '{ onFailed: (event) => ... }',
  rules: Object.fromEntries(HOOK_NAMES.map((name) => [name, func()])) as OptionsSpec<StreamerHooks>['rules'],
};

export const SUBSCRIBE: OptionsSpec<SubscribeOptions> = {
  call: 'subscribe()',
  argument: 'second',
  // dtpyfw's second positional parameter is start_from_latest.
  example: (got) =>
    typeof got === 'boolean'
      ? `{ startFromLatest: ${got} }`
      : typeof got === 'number'
        ? `{ concurrency: ${got} }`
        : typeof got === 'function'
          ? '{ orderingKey: (payload) => payload.orderId }'
          : '{ startFromLatest: false }',
  rules: {
    startFromLatest: boolean(),
    concurrency: integer(1),
    orderingKey: func('a function (payload, name) => key'),
  },
  aliases: { start_from_latest: { use: 'startFromLatest', source: DTPYFW } },
  related: () => RELATED,
};

export const CHANNEL: OptionsSpec<ChannelOptions> = {
  call: 'setRetention()',
  argument: 'second',
  // dtpyfw's second positional parameter is retention_ms.
  example: (got) => (typeof got === 'number' ? `{ retentionMs: ${got} }` : '{ retentionMs: 86400000 }'),
  rules: { retentionMs: integer(1), maxLen: integer(1) },
  aliases: { retention_ms: { use: 'retentionMs', source: DTPYFW } },
  related: () => RELATED,
};

export const CONSUME: OptionsSpec<ConsumeOptions> = {
  call: 'persistConsume()',
  argument: 'first',
  // dtpyfw's positional parameters are rest_time, block_time (seconds), count, cleanup_interval.
  example: (got) =>
    typeof got === 'number'
      ? "{ restMs: 100, blockMs: 5000 } (milliseconds: dtpyfw's rest_time and block_time are seconds)"
      : isSignal(got)
        ? '{ signal }'
        : '{ blockMs: 5000, count: 32 }',
  rules: {
    restMs: timer(0),
    blockMs: timer(1),
    count: integer(1),
    maxCount: integer(1),
    cleanupIntervalMs: timer(1),
    ledgerIntervalMs: timer(1),
    signal: abortSignal(),
  },
  aliases: {
    rest_time: { use: 'restMs', source: DTPYFW, note: MS_NOT_SECONDS },
    block_time: { use: 'blockMs', source: DTPYFW, note: MS_NOT_SECONDS },
    cleanup_interval: { use: 'cleanupIntervalMs', source: DTPYFW, note: MS_NOT_SECONDS },
  },
  related: () => RELATED,
};

export const HANDLER: OptionsSpec<HandlerOptions> = {
  call: 'registerHandler()',
  argument: 'third',
  example: (got) => `{ name: ${typeof got === 'string' && got !== '' ? JSON.stringify(got) : '"order.created"'} }`,
  rules: { name: string() },
  related: () => RELATED,
};

export const LIST: OptionsSpec<DeadLetterListOptions> = {
  call: 'deadLetters().list()',
  argument: 'first',
  example: (got) =>
    typeof got === 'number'
      ? `{ count: ${got} }`
      : typeof got === 'string'
        ? `{ start: ${JSON.stringify(got)} }`
        : '{ count: 100, start: "-" }',
  rules: { count: integer(1), start: streamId(true) },
};

const NODES = 'a list of nodes: "host:port" strings, redis:// URLs or { host, port } objects';

/** A non-empty list of node addresses (checked in detail when parsed). */
function nodeList(): Rule {
  return {
    expected: NODES,
    test: (v) =>
      Array.isArray(v) &&
      v.length > 0 &&
      v.every((n) => typeof n === 'string' || (n !== null && typeof n === 'object')),
  };
}

export const CONNECTION: OptionsSpec<RedisConnectionOptions> = {
  call: 'new RedisInstance()',
  argument: 'first',
  takes: 'a redis:// URL or an options object',
  example: (got) => (typeof got === 'number' ? `{ port: ${got} }` : '{ host: "127.0.0.1", port: 6379 }'),
  rules: {
    url: string({ nullable: true }),
    host: string({ nullable: true }),
    port: integer(1, 65535),
    db: integer(0),
    username: string({ allowEmpty: true, nullable: true }),
    password: string({ allowEmpty: true, nullable: true, secret: true }),
    tls: either(
      'true, false or an object of Node.js TLS options (ca, cert, key, servername...)',
      boolean(),
      plainObject(),
    ),
    connectTimeoutMs: positiveNumber(MAX_TIMER_MS),
    cluster: nodeList(),
    sentinels: nodeList(),
    primaryName: string({ nullable: true }),
    sentinelUsername: string({ allowEmpty: true, nullable: true }),
    sentinelPassword: string({ allowEmpty: true, nullable: true, secret: true }),
    client: oneOf(['ioredis', 'node-redis'] as const),
  },
  aliases: {
    ssl: { use: 'tls', source: "redis-py's name" },
    nodes: { use: 'cluster' },
    startupNodes: { use: 'cluster', source: "ioredis' name" },
    startup_nodes: { use: 'cluster', source: "redis-py's name" },
    clusterNodes: { use: 'cluster' },
    name: { use: 'primaryName', source: "ioredis' name" },
    masterName: { use: 'primaryName' },
    service_name: { use: 'primaryName', source: "redis-py's name" },
    socket_connect_timeout: { use: 'connectTimeoutMs', source: "redis-py's name", note: MS_NOT_SECONDS },
    redis_url: { use: 'url' },
    redis_host: { use: 'host' },
    redis_port: { use: 'port' },
    redis_db: { use: 'db' },
    redis_username: { use: 'username' },
    redis_password: { use: 'password' },
  },
};

/** The calls whose options a key given to the wrong call is looked up in. */
const RELATED: readonly RelatedSpec[] = [STREAMER, SUBSCRIBE, CHANNEL, CONSUME, HANDLER];

function isSignal(value: unknown): boolean {
  return abortSignal().test(value) === true;
}

/** Middleware: an array of functions (without holes). */
function middlewareList(): Rule {
  return {
    expected: 'an array of middleware functions (message, next) => ...',
    test: (value) => {
      if (!Array.isArray(value)) return false;
      const list = value as readonly unknown[];
      for (let i = 0; i < list.length; i++) {
        if (typeof list[i] !== 'function') return `got ${i in list ? describe(list[i]) : 'a hole'} at [${i}]`;
      }
      return true;
    },
  };
}

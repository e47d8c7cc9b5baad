/**
 * Inspector: what an operator wants to see, for any channel (this library's or dtpyfw's), without
 * consuming anything: the channels, each channel's length and age, its groups with their lag,
 * pending entries and consumers, stale or live, its dead letters, and its entries as they arrive
 * (`tail`, which reads without a consumer group). Those only read, so a read-only ACL user
 * (`aclRules({ role: 'monitor' })`) may use them; replaying or purging dead letters and trimming
 * need the consumer's rights (a trim's dry run too: it runs the retention script, writing nothing).
 */
import { checkDeadLetterIds } from '../arguments.js';
import { Connections } from '../connection/connections.js';
import type { RedisPort } from '../connection/port.js';
import { showOnly } from '../connection/safe-inspect.js';
import { portFactory } from '../connection/port-factory.js';
import type { RedisSource } from '../connection/redis-source.js';
import { DeadLetterQueue } from '../delivery/dead-letters.js';
import type { ReplayResult } from '../delivery/dead-letters.js';
import { idTimeMs } from '../delivery/ids.js';
import { ClosedError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import {
  previewTrim,
  trimChannel,
  type RetentionPreview,
  type RetentionResult,
  type RetentionRule,
} from '../maintenance/retention.js';
import { checkChannel } from '../resolve-options.js';
import { deadLetterKey, groupsKey, isAuxiliaryStream } from '../naming.js';
import { scripts } from '../scripts/index.js';
import { abortSignal, boolean, func, integer, streamId, timer, withMethods } from '../rules.js';
import { checkOptions, type OptionsSpec } from '../validate.js';
import { replayInBatches, type ReplayOptions } from './replay.js';
import { tailChannel, type TailEntry, type TailOptions } from './tail.js';

/** A consumer of a group. */
export interface ConsumerInfo {
  /** Its name (`<service>.<host>.<pid>.<8 hex>` for this library and dtpyfw). */
  readonly name: string;
  /** Entries delivered to it and not acknowledged. */
  readonly pending: number;
  /** How long since it last asked Redis for anything, in ms. */
  readonly idleMs: number;
}

/** A consumer group of a channel. */
export interface GroupInfo {
  /** The group name (`<channel>:<service>:cg`). */
  readonly name: string;
  /** Entries not yet delivered to the group (null when Redis cannot tell). */
  readonly lag: number | null;
  /** Entries delivered and not acknowledged. */
  readonly pending: number;
  /** The id of the last entry delivered to the group. */
  readonly lastDeliveredId: string;
  /** Age of its oldest pending entry in ms, null when none. */
  readonly oldestPendingAgeMs: number | null;
  /** Live (false: stale, it no longer holds retention back). */
  readonly live: boolean;
  /** Its consumers. */
  readonly consumers: readonly ConsumerInfo[];
}

/** One channel. */
export interface ChannelInfo {
  /** The channel (stream key). */
  readonly channel: string;
  /** Entries in the stream. */
  readonly length: number;
  /** Server time (ms) of its first entry, null when empty. */
  readonly firstEntryMs: number | null;
  /** Server time (ms) of its last entry, null when empty. */
  readonly lastEntryMs: number | null;
  /** Records in its dead-letter stream. */
  readonly deadLetters: number;
  /** Its consumer groups. */
  readonly groups: readonly GroupInfo[];
}

/** Options of `new Inspector(redis, options)`. */
export interface InspectorOptions {
  /**
   * A group whose consumers have all been idle longer than this (ms), and that was first seen
   * longer ago, is shown as stale (as the streamers' `staleGroupMs`).
   * @default 86400000 (24 h)
   */
  readonly staleGroupMs?: number;
  /**
   * Where connection problems are logged.
   * @default silentLogger
   */
  readonly logger?: Logger;
}

/** Options of `inspector.trim(channel, options)` and `inspector.previewTrim(channel, options)`. */
export interface TrimOptions {
  /** Entries older than this (ms, by the server's clock) go, unless a live group still needs them. */
  readonly retentionMs: number;
  /**
   * Dead letters older than this (ms) go too.
   * @default undefined (dead letters are left alone)
   */
  readonly deadLetterRetentionMs?: number;
}

/** Options of `inspector.previewTrim(channel, options)`. */
export interface PreviewTrimOptions extends TrimOptions {
  /**
   * Each count reads at most this many entries from each end of the stream; beyond, it is a lower
   * bound (see {@link RetentionPreview}). About 2 × this many entries are read per count at worst
   * (some milliseconds of Redis time per thousand entries).
   * @default 5000
   */
  readonly countLimit?: number;
}

// The run-time checks (see validate.ts) of the inspector's options and of its calls' options.
const LOGGER = withMethods(
  'logger',
  ['debug', 'info', 'warn', 'error'],
  'an object with debug, info, warn and error functions (a pino logger fits)',
);

const INSPECTOR: OptionsSpec<InspectorOptions> = {
  call: 'new Inspector()',
  argument: 'second',
  example: (got) => (typeof got === 'number' ? `{ staleGroupMs: ${got} }` : '{ staleGroupMs: 86400000 }'),
  rules: { staleGroupMs: integer(1), logger: LOGGER },
};

const TRIM_RULES = { retentionMs: integer(1), deadLetterRetentionMs: integer(1) };
const trimExample = (got: unknown): string =>
  typeof got === 'number' && Number.isInteger(got) && got > 0 ? `{ retentionMs: ${got} }` : '{ retentionMs: 86400000 }';

const TRIM: OptionsSpec<TrimOptions> = {
  call: 'inspector.trim()',
  argument: 'second',
  example: trimExample,
  rules: TRIM_RULES,
  required: ['retentionMs'],
};

const PREVIEW_TRIM: OptionsSpec<PreviewTrimOptions> = {
  call: 'inspector.previewTrim()',
  argument: 'second',
  example: trimExample,
  rules: { ...TRIM_RULES, countLimit: integer(1) },
  required: ['retentionMs'],
};

const TAIL: OptionsSpec<TailOptions> = {
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

const REPLAY: OptionsSpec<ReplayOptions> = {
  call: 'inspector.replayDeadLetters()',
  argument: 'third',
  example: (got) => (typeof got === 'number' ? `{ batchSize: ${got} }` : '{ batchSize: 100 }'),
  rules: { batchSize: integer(1, 10_000), onProgress: func('a function (progress) => void') },
};

/** Reads the state of channels, groups and dead letters. */
export class Inspector implements AsyncDisposable {
  private readonly connections: Connections;
  private readonly staleGroupMs: number;
  private closed = false;

  /**
   * @param redis where Redis is, as `new RedisStreamer(redis, ...)` takes it.
   * @param options see {@link InspectorOptions}.
   * @throws ConfigError on an unknown option or a wrong value (nothing is opened then).
   */
  constructor(redis: RedisSource, options: InspectorOptions = {}) {
    const source = portFactory(redis);
    const o = checkOptions(INSPECTOR, options);
    this.staleGroupMs = o.staleGroupMs ?? 86_400_000;
    const logger = o.logger ?? silentLogger;
    this.connections = new Connections(source, 'inspect', { logger, reconnect: () => {} });
    showOnly(this, 'Inspector', () => ({ redis: source.describe }));
  }

  /**
   * The channels: every stream key (found with SCAN ... TYPE stream, on every primary of a
   * cluster), without this library's own streams (dead letters, replays, the log of idempotency
   * keys), sorted.
   */
  async channels(): Promise<string[]> {
    const keys = await (await this.port()).keysOfType('stream');
    return keys.filter((k) => !isAuxiliaryStream(k)).sort();
  }

  /** One channel: its length, first and last entry times, dead letters, and groups. */
  async channel(channel: string): Promise<ChannelInfo> {
    checkChannel(channel, 'inspector.channel()');
    const [length, first, last, deadLetters, now, groups] = await scripts.inspectChannel.run(
      await this.port(),
      [channel, deadLetterKey(channel), groupsKey(channel)],
      [this.staleGroupMs],
    );
    return {
      channel,
      length,
      firstEntryMs: first === '' ? null : idTimeMs(first),
      lastEntryMs: last === '' ? null : idTimeMs(last),
      deadLetters,
      groups: groups.map(([name, lag, pending, lastDeliveredId, oldest, live, consumers]) => ({
        name,
        lag: lag === '' ? null : Number(lag),
        pending,
        lastDeliveredId,
        oldestPendingAgeMs: oldest === '' ? null : Math.max(0, now - idTimeMs(oldest)),
        live: live === 1,
        consumers: consumers.map(([consumer, p, idleMs]) => ({ name: consumer, pending: p, idleMs })),
      })),
    };
  }

  /** A channel's dead letters: list, replay (to the group that failed), purge. */
  deadLetters(channel: string): DeadLetterQueue {
    checkChannel(channel, 'inspector.deadLetters()');
    return DeadLetterQueue.create(channel, () => this.port());
  }

  /**
   * Replays dead letters (`'all'`, or these dead-letter ids) to the groups that failed them, in
   * batches (each one `replay(ids)` of {@link DeadLetterQueue}), reporting progress after each.
   * Replaying all stops at the last dead letter there was when it started.
   */
  async replayDeadLetters(
    channel: string,
    ids: readonly string[] | 'all',
    options: ReplayOptions = {},
  ): Promise<ReplayResult> {
    const call = 'inspector.replayDeadLetters()';
    checkChannel(channel, call);
    const wanted = checkDeadLetterIds(call, 'second', ids);
    const o = checkOptions(REPLAY, options);
    const queue = this.deadLetters(channel);
    return replayInBatches(queue, wanted, async () => (await this.port()).xrevrangeLast(queue.key), o);
  }

  /** The id of a channel's last entry, null when it is empty or missing (XREVRANGE + - COUNT 1). */
  async lastEntryId(channel: string): Promise<string | null> {
    checkChannel(channel, 'inspector.lastEntryId()');
    return (await this.port()).xrevrangeLast(channel);
  }

  /**
   * Follows a channel without consuming anything (XRANGE pages and XREAD BLOCK, never a consumer
   * group): its entries, decoded as consumers decode them, until the signal aborts or the caller
   * stops iterating. Uses a connection of its own for the waits, closed when the iteration ends.
   * @throws ConfigError at the call (not at the first step) when the channel or an option is wrong.
   */
  tail(channel: string, options: TailOptions = {}): AsyncGenerator<TailEntry> {
    checkChannel(channel, 'inspector.tail()', true);
    const o = checkOptions(TAIL, options);
    return tailChannel(
      {
        command: () => this.port(),
        openWait: () => this.connections.blocking(`tail:${channel}`),
        release: (port) => this.connections.release(port),
        discard: (port) => this.connections.discard(port),
      },
      channel,
      o,
    );
  }

  /**
   * Trims a channel by age with the library's group-aware rule (retention-3.lua): entries older
   * than `retentionMs` go, except what a live group has not read or acknowledged; a stale group
   * (see `staleGroupMs`) holds nothing back. Needs write rights.
   */
  async trim(channel: string, options: TrimOptions): Promise<RetentionResult> {
    checkChannel(channel, TRIM.call);
    const o = checkOptions(TRIM, options);
    return trimChannel(await this.port(), trimRule(channel, o), this.staleGroupMs, o.deadLetterRetentionMs);
  }

  /** What {@link trim} would remove now, changing nothing (see {@link RetentionPreview}). */
  async previewTrim(channel: string, options: PreviewTrimOptions): Promise<RetentionPreview> {
    checkChannel(channel, PREVIEW_TRIM.call);
    const o = checkOptions(PREVIEW_TRIM, options);
    const rule = trimRule(channel, o);
    return previewTrim(await this.port(), rule, this.staleGroupMs, o.deadLetterRetentionMs, o.countLimit);
  }

  /** Closes its connection. */
  async close(): Promise<void> {
    this.closed = true;
    await this.connections.closeAll();
  }

  /** `await using inspector = new Inspector(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private port(): Promise<RedisPort> {
    if (this.closed) return Promise.reject(new ClosedError('the inspector has been closed'));
    return this.connections.ready();
  }
}

/** The retention rule of a trim (checked options: `retentionMs` is there). */
function trimRule(channel: string, options: TrimOptions): RetentionRule {
  return { channel, retentionMs: options.retentionMs, maxLen: undefined };
}

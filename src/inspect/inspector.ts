/**
 * Inspector: what an operator wants to see, for any channel (this library's or dtpyfw's), without
 * consuming anything: the channels, each channel's length and age, its groups with their lag,
 * pending entries and consumers, stale or live, and its dead letters. It only reads, so a
 * read-only ACL user (`aclRules({ role: 'monitor' })`) may use it; replaying or purging dead
 * letters needs the consumer's rights.
 */
import { Connections } from '../connection/connections.js';
import type { RedisPort } from '../connection/port.js';
import { portFactory, type RedisSource } from '../connection/source.js';
import { DeadLetterQueue } from '../delivery/dead-letters.js';
import { idTimeMs } from '../delivery/ids.js';
import { ClosedError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { deadLetterKey, groupsKey } from '../naming.js';
import { scripts } from '../scripts/index.js';

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
  /** Server time (ms) of its first and last entry, null when empty. */
  readonly firstEntryMs: number | null;
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

/** Reads the state of channels, groups and dead letters. */
export class Inspector implements AsyncDisposable {
  private readonly connections: Connections;
  private readonly staleGroupMs: number;
  private closed = false;

  /** @param redis where Redis is, as `new RedisStreamer(redis, ...)` takes it. */
  constructor(redis: RedisSource, options: InspectorOptions = {}) {
    const source = portFactory(redis);
    this.staleGroupMs = options.staleGroupMs ?? 86_400_000;
    const logger = options.logger ?? silentLogger;
    this.connections = new Connections(source.open, 'inspect', { logger, reconnect: () => {} }, source.cluster);
  }

  /**
   * The channels: every stream key (found with SCAN ... TYPE stream, on every primary of a
   * cluster), without this library's own streams (dead letters and replays), sorted.
   */
  async channels(): Promise<string[]> {
    const keys = await (await this.port()).keysOfType('stream');
    return keys.filter((k) => !/:(dlq|replay:.+)$/.test(k) || !k.startsWith('{')).sort();
  }

  /** One channel: its length, first and last entry times, dead letters, and groups. */
  async channel(channel: string): Promise<ChannelInfo> {
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
    return new DeadLetterQueue(channel, () => this.port());
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
    return Promise.resolve(this.connections.command());
  }
}

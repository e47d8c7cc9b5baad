/**
 * Channel retention: trims a stream by age (and a hard length cap, when set) by the server's clock,
 * never removing what a live group has not read or acknowledged (retention-3.lua), and drops dead
 * letters older than their retention. A dry run ({@link previewTrim}) says what a run would remove,
 * changing nothing.
 */
import type { RedisPort } from '../connection/port.js';
import { deadLetterKey, groupsKey } from '../naming.js';
import { scripts } from '../scripts/index.js';

/** What one retention run did to a channel. */
export interface RetentionResult {
  /** The channel. */
  readonly channel: string;
  /** Entries removed that every group had read and acknowledged. */
  readonly removedRead: number;
  /**
   * Entries removed that a stale group (no live consumer) had not read, or that were pending on a
   * consumer idle longer than `staleGroupMs` (a killed process nobody reclaims from).
   */
  readonly removedUnreadStale: number;
  /** Entries removed, unread by at least one group, because the stream exceeded its `maxLen`. */
  readonly removedUnreadMaxLen: number;
  /** Groups that no longer hold retention back. */
  readonly staleGroups: readonly string[];
  /** Dead letters dropped because they were older than `deadLetterRetentionMs`. */
  readonly deadLettersDropped: number;
}

/** The retention of one channel. */
export interface RetentionRule {
  readonly channel: string;
  /** Entries older than this go (undefined: the channel is not trimmed by age). */
  readonly retentionMs: number | undefined;
  /** The length cap, undefined for none. */
  readonly maxLen: number | undefined;
}

/** Which counts of a {@link RetentionPreview} are exact (false: a lower bound, "at least"). */
export interface RetentionPreviewExact {
  /** Whether `removedRead` is exact. */
  readonly removedRead: boolean;
  /** Whether `removedUnreadStale` is exact. */
  readonly removedUnreadStale: boolean;
  /** Whether `removedUnreadMaxLen` is exact. */
  readonly removedUnreadMaxLen: boolean;
  /** Whether `deadLettersDropped` is exact. */
  readonly deadLettersDropped: boolean;
}

/**
 * What a retention run would remove now, found without changing anything. Each count is exact, or,
 * when counting it would have read more than `countLimit` entries from either end of the stream, a
 * lower bound (`exact` says which).
 */
export interface RetentionPreview extends RetentionResult {
  /** Per count: true when exact, false when it is a lower bound. */
  readonly exact: RetentionPreviewExact;
}

/**
 * How many entries a dry run may read from each end of the stream for one count.
 * @default 5000
 */
export const DEFAULT_COUNT_LIMIT = 5_000;

/**
 * Runs retention on one channel.
 * @param deadLetterRetentionMs dead letters older than this go; undefined leaves them alone.
 */
export async function trimChannel(
  port: RedisPort,
  rule: RetentionRule,
  staleGroupMs: number,
  deadLetterRetentionMs: number | undefined,
): Promise<RetentionResult> {
  const { channel } = rule;
  const [removedRead, removedUnreadStale, removedUnreadMaxLen, staleGroups, deadLettersDropped] =
    await scripts.retention.run(port, retentionKeys(channel), retentionArgs(rule, staleGroupMs, deadLetterRetentionMs));
  return { channel, removedRead, removedUnreadStale, removedUnreadMaxLen, staleGroups, deadLettersDropped };
}

/**
 * What {@link trimChannel} would remove now, by the same rule, without writing anything (a dry
 * run: no entry, dead letter or group record is touched). Its cost is bounded: each count reads at
 * most `countLimit` entries from each end of the stream, so it stays cheap on a stream of millions
 * (a count in the middle of such a stream is then a lower bound).
 * @param countLimit @default 5000
 */
export async function previewTrim(
  port: RedisPort,
  rule: RetentionRule,
  staleGroupMs: number,
  deadLetterRetentionMs: number | undefined,
  countLimit: number = DEFAULT_COUNT_LIMIT,
): Promise<RetentionPreview> {
  const { channel } = rule;
  const [read, stale, cap, staleGroups, dead] = await scripts.retention.run(port, retentionKeys(channel), [
    ...retentionArgs(rule, staleGroupMs, deadLetterRetentionMs),
    '1',
    countLimit,
  ]);
  return {
    channel,
    removedRead: atLeast(read),
    removedUnreadStale: atLeast(stale),
    removedUnreadMaxLen: atLeast(cap),
    staleGroups,
    deadLettersDropped: atLeast(dead),
    exact: {
      removedRead: read >= 0,
      removedUnreadStale: stale >= 0,
      removedUnreadMaxLen: cap >= 0,
      deadLettersDropped: dead >= 0,
    },
  };
}

function retentionKeys(channel: string): string[] {
  return [channel, groupsKey(channel), deadLetterKey(channel)];
}

function retentionArgs(
  rule: RetentionRule,
  staleGroupMs: number,
  deadLetterRetentionMs: number | undefined,
): Array<string | number> {
  return [rule.retentionMs ?? '', rule.maxLen ?? '', staleGroupMs, deadLetterRetentionMs ?? ''];
}

/** A dry run's count: n, or -(n + 1) for "at least n". */
function atLeast(count: number): number {
  return count >= 0 ? count : -count - 1;
}

/**
 * Channel retention: trims a stream by age (and a hard length cap, when set) by the server's clock,
 * never removing what a live group has not read or acknowledged (retention-3.lua), and drops dead
 * letters older than their retention.
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

/** Runs retention on one channel. */
export async function trimChannel(
  port: RedisPort,
  rule: RetentionRule,
  staleGroupMs: number,
  deadLetterRetentionMs: number,
): Promise<RetentionResult> {
  const { channel } = rule;
  const [removedRead, removedUnreadStale, removedUnreadMaxLen, staleGroups, deadLettersDropped] =
    await scripts.retention.run(
      port,
      [channel, groupsKey(channel), deadLetterKey(channel)],
      [rule.retentionMs ?? '', rule.maxLen ?? '', staleGroupMs, deadLetterRetentionMs],
    );
  return { channel, removedRead, removedUnreadStale, removedUnreadMaxLen, staleGroups, deadLettersDropped };
}

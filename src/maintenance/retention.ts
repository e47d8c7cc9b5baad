/**
 * Channel retention: trims a stream by age (and a hard length cap, when set) by the server's clock,
 * never removing what a live group has not read or acknowledged (retention.lua).
 */
import type { RedisPort } from '../connection/port.js';
import { scripts } from '../scripts/index.js';

/** What one retention run did to a channel. */
export interface RetentionResult {
  /** The channel. */
  readonly channel: string;
  /** Entries removed that every group had read and acknowledged. */
  readonly removedRead: number;
  /** Entries removed that a stale group (no live consumer) had not read. */
  readonly removedUnreadStale: number;
  /** Entries removed, unread by at least one group, because the stream exceeded its `maxLen`. */
  readonly removedUnreadMaxLen: number;
  /** Groups that no longer hold retention back. */
  readonly staleGroups: readonly string[];
}

/** Runs retention on one channel. */
export async function trimChannel(
  port: RedisPort,
  channel: string,
  retentionMs: number | undefined,
  maxLen: number | undefined,
  staleGroupMs: number,
): Promise<RetentionResult> {
  const [removedRead, removedUnreadStale, removedUnreadMaxLen, staleGroups] = (await port.runScript(
    scripts.retention,
    [channel],
    [retentionMs ?? '', maxLen ?? '', staleGroupMs],
  )) as [number, number, number, string[]];
  return { channel, removedRead, removedUnreadStale, removedUnreadMaxLen, staleGroups };
}

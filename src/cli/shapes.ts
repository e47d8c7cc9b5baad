/**
 * The `--json` output of every command: stable shapes for scripts (fields may be added, none is
 * removed or changes meaning within a major version). Times are server times in ms since the
 * epoch; durations are in ms. Human tables (without `--json`) may change at any time.
 *
 * | command                      | stdout with `--json`                                   |
 * | ---------------------------- | ------------------------------------------------------ |
 * | `channels`                   | {@link ChannelsJson}                                   |
 * | `groups <channel>`           | {@link GroupsJson}                                     |
 * | `tail <channel>`             | one {@link TailJson} per line (NDJSON), as they come   |
 * | `publish <channel> <name> …` | {@link PublishJson}                                    |
 * | `dlq list <channel>`         | {@link DlqListJson}                                    |
 * | `dlq show <channel> <id>`    | {@link DlqShowJson}                                    |
 * | `dlq replay <channel> …`     | {@link DlqReplayJson} (progress lines go to stderr)    |
 * | `dlq purge <channel> …`      | {@link DlqPurgeJson}                                   |
 * | `trim <channel> …`           | {@link TrimJson}                                       |
 * | `dashboard`                  | {@link DashboardJson}, once it listens                 |
 *
 * Errors are one line on stderr; the exit code says what happened (0 ok, 1 failure, 2 usage).
 */
import type { DeadLetter } from '../delivery/dead-letters.js';
import type { ChannelInfo, GroupInfo } from '../inspect/inspector.js';
import type { RetentionPreviewExact } from '../maintenance/retention.js';

/** `channels --json`: every channel (stream key other than this library's own), sorted. */
export interface ChannelsJson {
  readonly channels: readonly ChannelInfo[];
}

/** `groups <channel> --json`: the channel's consumer groups with their consumers. */
export interface GroupsJson {
  readonly channel: string;
  /** Staleness threshold used (ms): a group idle longer is stale. */
  readonly staleGroupMs: number;
  readonly groups: readonly GroupInfo[];
}

/** `tail <channel> --json`: one entry per line. */
export interface TailJson {
  readonly channel: string;
  readonly id: string;
  /** Server time of the entry (from its id). */
  readonly timeMs: number;
  /** The event name (null when the entry has none). */
  readonly name: string | null;
  /**
   * The body, decoded as consumers decode it (dtpyfw's JSON too). NaN and ±Infinity, which JSON
   * cannot hold, appear as null here; `bodyText` has them. Null when the entry does not decode.
   */
  readonly body: unknown;
  /** The body exactly as stored (null when the entry has none). */
  readonly bodyText: string | null;
  /** Every other field of the entry. */
  readonly fields: Readonly<Record<string, string>>;
  /** Why a consumer would dead-letter it (`missing-name`, `invalid-json`...), or null. */
  readonly error: { readonly reason: string; readonly message: string } | null;
}

/** `publish --json`. */
export interface PublishJson {
  readonly channel: string;
  /** The new entry's id. */
  readonly id: string;
}

/** `dlq list --json`. */
export interface DlqListJson {
  readonly channel: string;
  /** Dead letters in the stream now (the list may show fewer: `--count`). */
  readonly total: number;
  readonly deadLetters: readonly DeadLetter[];
}

/** `dlq show --json`. */
export interface DlqShowJson {
  readonly channel: string;
  readonly deadLetter: DeadLetter;
}

/** `dlq replay --json`. */
export interface DlqReplayJson {
  readonly channel: string;
  /** How many were replayed (each to the group that failed it, and only to it). */
  readonly replayed: number;
  /** Their new ids in the groups' replay streams. */
  readonly ids: readonly string[];
  /** Dead-letter ids asked for that did not exist (the command then exits 1). */
  readonly missing: readonly string[];
}

/** `dlq purge --json`. */
export interface DlqPurgeJson {
  readonly channel: string;
  /** How many dead letters were deleted. */
  readonly purged: number;
  /** Dead-letter ids asked for that did not exist (the command then exits 1). */
  readonly missing: readonly string[];
}

/** `trim --json`: what was removed or, with `--dry-run`, what would be. */
export interface TrimJson {
  readonly channel: string;
  readonly dryRun: boolean;
  readonly retentionMs: number;
  /** Entries every group had read and acknowledged. */
  readonly removedRead: number;
  /** Entries unread by a stale group only, or pending on a consumer idle beyond the threshold. */
  readonly removedUnreadStale: number;
  /** Always 0 here (the CLI sets no length cap); kept for the library's shape. */
  readonly removedUnreadMaxLen: number;
  /** Groups that no longer hold retention back. */
  readonly staleGroups: readonly string[];
  /** Dead letters dropped (with `--dead-letter-retention`). */
  readonly deadLettersDropped: number;
  /** Dry run: per count, false when it is a lower bound ("at least"). A real run: all true. */
  readonly exact: RetentionPreviewExact;
  /** Entries in the channel after the run (or now, for a dry run). */
  readonly length: number;
}

/** `dashboard --json`: one line once it listens. */
export interface DashboardJson {
  /** Its address, with `?token=...` when a token is needed. */
  readonly url: string;
}

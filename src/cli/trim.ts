/**
 * `redis-streamer trim <channel> --retention <duration> [--dry-run]`: trims a channel by age with
 * the library's group-aware rule: nothing a live group has not read or acknowledged goes; a stale
 * group (all consumers idle beyond `--stale-after`) holds nothing back. `--dry-run` changes nothing
 * and says what would go (exact, or "at least" when counting would read too much of a huge stream).
 */
import type { Command } from 'commander';
import type { RetentionPreviewExact, RetentionResult } from '../maintenance/retention.js';
import { Context } from './context.js';
import { formatDuration, parseDuration } from './duration.js';
import { parseCount } from './numbers.js';
import type { Io } from './output.js';
import type { TrimJson } from './shapes.js';
import { printable } from './terminal.js';

const ALL_EXACT: RetentionPreviewExact = {
  removedRead: true,
  removedUnreadStale: true,
  removedUnreadMaxLen: true,
  deadLettersDropped: true,
};

interface TrimFlags {
  readonly retention: number;
  readonly dryRun?: boolean;
  readonly staleAfter?: number;
  readonly deadLetterRetention?: number;
  readonly countLimit?: number;
}

/** The human summary of a trim or a dry run. */
export function trimSummary(result: TrimJson): string {
  const n = (value: number, exact: boolean): string => (exact ? String(value) : `at least ${value}`);
  const verb = result.dryRun ? 'would remove' : 'removed';
  const lines = [
    `${result.dryRun ? 'dry run: ' : ''}${printable(result.channel)}: ${verb} entries older than ${formatDuration(result.retentionMs)}`,
    `  read and acknowledged by every group: ${n(result.removedRead, result.exact.removedRead)}`,
    `  unread by stale groups or dead consumers only: ${n(result.removedUnreadStale, result.exact.removedUnreadStale)}`,
  ];
  if (result.deadLettersDropped !== 0 || !result.exact.deadLettersDropped) {
    lines.push(`  dead letters: ${n(result.deadLettersDropped, result.exact.deadLettersDropped)}`);
  }
  if (result.staleGroups.length > 0)
    lines.push(`  stale groups (not holding entries back): ${result.staleGroups.map(printable).join(', ')}`);
  lines.push(`  entries in the channel ${result.dryRun ? 'now' : 'after'}: ${result.length}`);
  if (result.dryRun) lines.push('  nothing was changed');
  return `${lines.join('\n')}\n`;
}

/** Registers `trim`. */
export function registerTrim(program: Command, io: Io, env: NodeJS.ProcessEnv): void {
  program
    .command('trim')
    .description('trim entries older than the retention, never those a live group has not read or acknowledged')
    .argument('<channel>', 'the channel (stream key)')
    .requiredOption('--retention <duration>', 'entries older than this go (7d, 12h, 30m...)', parseDuration)
    .option('--dry-run', 'change nothing; say what would be removed')
    .option(
      '--stale-after <duration>',
      'a group whose consumers are all idle this long is stale (default 24h)',
      parseDuration,
    )
    .option('--dead-letter-retention <duration>', 'also drop dead letters older than this', parseDuration)
    .option(
      '--count-limit <n>',
      'dry run: entries each count may read from each end of the stream; beyond, it says "at least" (default 5000)',
      parseCount,
    )
    .action(async (channel: string, flags: TrimFlags, command: Command) => {
      const ctx = new Context(io, env, command);
      const options = {
        retentionMs: flags.retention,
        ...(flags.deadLetterRetention === undefined ? {} : { deadLetterRetentionMs: flags.deadLetterRetention }),
      };
      const dryRun = flags.dryRun === true;
      const { result, exact, length } = await ctx.withInspector(async (inspector) => {
        await ctx.requireChannel(inspector, channel);
        let outcome: { result: RetentionResult; exact: RetentionPreviewExact };
        if (dryRun) {
          const limit = flags.countLimit === undefined ? {} : { countLimit: flags.countLimit };
          const preview = await inspector.previewTrim(channel, { ...options, ...limit });
          outcome = { result: preview, exact: preview.exact };
        } else {
          outcome = { result: await inspector.trim(channel, options), exact: ALL_EXACT };
        }
        return { ...outcome, length: (await inspector.channel(channel)).length };
      }, flags.staleAfter);
      const { removedRead, removedUnreadStale, removedUnreadMaxLen, staleGroups, deadLettersDropped } = result;
      const json: TrimJson = {
        channel,
        dryRun,
        retentionMs: flags.retention,
        removedRead,
        removedUnreadStale,
        removedUnreadMaxLen,
        staleGroups,
        deadLettersDropped,
        exact,
        length,
      };
      if (ctx.out.json) ctx.out.value(json);
      else ctx.out.text(trimSummary(json));
    });
}

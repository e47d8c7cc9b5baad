/**
 * `dlq replay` and `dlq purge`: the dead-letter commands that change data. Both take dead-letter
 * ids or `--all`, and ask for confirmation (see confirm.ts) unless `--yes`. Replay goes in batches
 * with a progress line on stderr when there is more than one batch; ids that did not exist make it
 * exit 1 (after the others were replayed). Purge deletes for good.
 */
import type { Command } from 'commander';
import type { ReplayProgress } from '../inspect/replay.js';
import { confirm } from './confirm.js';
import { Context } from './context.js';
import { UsageError } from './errors.js';
import { CommandFailure } from './errors.js';
import type { Io } from './output.js';
import type { DlqPurgeJson, DlqReplayJson } from './shapes.js';

/** Dead letters per replay batch (one atomic step per group each); progress after each. */
const BATCH = 100;

interface ChangeFlags {
  readonly all?: boolean;
  readonly yes?: boolean;
}

/** `ids` or `--all`, exactly one of them. */
function selection(ids: readonly string[], flags: ChangeFlags, verb: string): readonly string[] | 'all' {
  if (flags.all === true && ids.length > 0)
    throw new UsageError(`dlq ${verb}: give dead-letter ids or --all, not both`);
  if (flags.all === true) return 'all';
  if (ids.length === 0) throw new UsageError(`dlq ${verb}: give the dead-letter ids to ${verb}, or --all`);
  return ids;
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

function progressLine(ctx: Context, channel: string): (p: ReplayProgress) => void {
  return (p) => {
    if (p.total > BATCH) ctx.out.note(`replaying ${channel}: ${p.done}/${p.total} (${p.replayed} replayed)`);
  };
}

/** Registers `dlq replay`. */
export function registerReplay(dlq: Command, io: Io, env: NodeJS.ProcessEnv): void {
  dlq
    .command('replay')
    .description('replay dead letters to the group that failed them, and only to it (its replay stream)')
    .argument('<channel>', 'the channel')
    .argument('[ids...]', 'dead-letter ids (as `dlq list` shows them)')
    .option('--all', 'replay every dead letter there is now')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (channel: string, ids: string[], flags: ChangeFlags, command: Command) => {
      const ctx = new Context(io, env, command);
      const wanted = selection(ids, flags, 'replay');
      const result = await ctx.withInspector(async (inspector) => {
        const count = wanted === 'all' ? await inspector.deadLetters(channel).size() : wanted.length;
        if (count === 0) return { replayed: 0, ids: [], missing: [] };
        await confirm(io, flags.yes === true, `replay ${plural(count, 'dead letter')} of ${channel}`);
        return inspector.replayDeadLetters(channel, wanted, {
          batchSize: BATCH,
          onProgress: progressLine(ctx, channel),
        });
      });
      if (ctx.out.json) ctx.out.value({ channel, ...result } satisfies DlqReplayJson);
      else ctx.out.line(`replayed ${plural(result.replayed, 'dead letter')} of ${channel}`);
      if (result.missing.length > 0) {
        throw new CommandFailure(`no such dead letter of ${channel}: ${result.missing.join(', ')}`);
      }
    });
}

/** Registers `dlq purge`. */
export function registerPurge(dlq: Command, io: Io, env: NodeJS.ProcessEnv): void {
  dlq
    .command('purge')
    .description('delete dead letters for good')
    .argument('<channel>', 'the channel')
    .argument('[ids...]', 'dead-letter ids (as `dlq list` shows them)')
    .option('--all', 'delete every dead letter (the dead-letter stream is removed)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (channel: string, ids: string[], flags: ChangeFlags, command: Command) => {
      const ctx = new Context(io, env, command);
      const wanted = selection(ids, flags, 'purge');
      const purged = await ctx.withInspector(async (inspector) => {
        const queue = inspector.deadLetters(channel);
        const count = wanted === 'all' ? await queue.size() : wanted.length;
        if (count === 0) return 0;
        await confirm(io, flags.yes === true, `delete ${plural(count, 'dead letter')} of ${channel} for good`);
        return queue.purge(wanted);
      });
      if (ctx.out.json) ctx.out.value({ channel, purged } satisfies DlqPurgeJson);
      else ctx.out.line(`purged ${plural(purged, 'dead letter')} of ${channel}`);
    });
}

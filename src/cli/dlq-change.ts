/**
 * `dlq replay` and `dlq purge`: the dead-letter commands that change data. Both take dead-letter
 * ids or `--all`, and ask for confirmation (see confirm.ts) unless `--yes`. Replay goes in batches
 * with a progress line on stderr when there is more than one batch. Purge deletes for good. For
 * both, ids that did not exist are listed and make the command exit 1 (after the others were
 * replayed or purged); a text that is not an id at all is a usage error (exit 2), and nothing is
 * changed.
 */
import type { Command } from 'commander';
import type { ReplayProgress } from '../inspect/replay.js';
import { confirm } from './confirm.js';
import { Context } from './context.js';
import type { DeadLetterQueue } from '../delivery/dead-letters.js';
import { CommandFailure, UsageError } from './errors.js';
import type { Io } from './output.js';
import type { DlqPurgeJson, DlqReplayJson } from './shapes.js';
import { printable } from './terminal.js';

/** Dead letters per replay batch (one atomic step per group each); progress after each. */
const BATCH = 100;

/** Purges sent at a time (one XDEL each, pipelined on the connection). */
const PURGE_BATCH = 1000;

/** A dead-letter id as `dlq list` shows it. */
const DEAD_LETTER_ID = /^\d{1,20}-\d{1,20}$/;

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
  checkIds(ids, `dlq ${verb}`);
  return [...new Set(ids)];
}

/** Refuses (usage error, exit 2) a text that is not a dead-letter id at all. */
export function checkIds(ids: readonly string[], command: string): void {
  const malformed = ids.filter((id) => !DEAD_LETTER_ID.test(id));
  if (malformed.length > 0) {
    throw new UsageError(
      `${command}: not a dead-letter id: ${malformed.join(', ')} (ids look like 1715000000000-0, as \`dlq list\` shows them)`,
    );
  }
}

/** Missing ids named in the error line; `--json` lists them all. */
const MISSING_SHOWN = 20;

/** The ids that did not exist, as the error that ends the command (exit 1), or nothing. */
function failIfMissing(channel: string, missing: readonly string[]): void {
  if (missing.length === 0) return;
  const more = missing.length > MISSING_SHOWN ? ` and ${missing.length - MISSING_SHOWN} more (--json lists them)` : '';
  throw new CommandFailure(`no such dead letter of ${channel}: ${missing.slice(0, MISSING_SHOWN).join(', ')}${more}`);
}

/** Deletes each id on its own (XDEL answers a count only), so the ones that did not exist are known. */
async function purgeEach(queue: DeadLetterQueue, ids: readonly string[]): Promise<DlqPurgeResult> {
  let purged = 0;
  const missing: string[] = [];
  for (let i = 0; i < ids.length; i += PURGE_BATCH) {
    const batch = ids.slice(i, i + PURGE_BATCH);
    const counts = await Promise.all(batch.map((id) => queue.purge([id])));
    counts.forEach((n, j) => {
      if (n === 0) missing.push(batch[j] as string);
      purged += n;
    });
  }
  return { purged, missing };
}

interface DlqPurgeResult {
  readonly purged: number;
  readonly missing: readonly string[];
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

function progressLine(ctx: Context, channel: string): (p: ReplayProgress) => void {
  return (p) => {
    if (p.total > BATCH) ctx.out.note(`replaying ${printable(channel)}: ${p.done}/${p.total} (${p.replayed} replayed)`);
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
      const shown = printable(channel);
      const result = await ctx.withInspector(async (inspector) => {
        const count = wanted === 'all' ? await inspector.deadLetters(channel).size() : wanted.length;
        if (count === 0) {
          await ctx.requireChannel(inspector, channel);
          return { replayed: 0, ids: [], missing: [] };
        }
        await confirm(io, flags.yes === true, `replay ${plural(count, 'dead letter')} of ${shown}`);
        return inspector.replayDeadLetters(channel, wanted, {
          batchSize: BATCH,
          onProgress: progressLine(ctx, channel),
        });
      });
      if (ctx.out.json) ctx.out.value({ channel, ...result } satisfies DlqReplayJson);
      else ctx.out.line(`replayed ${plural(result.replayed, 'dead letter')} of ${shown}`);
      failIfMissing(channel, result.missing);
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
      const shown = printable(channel);
      const result = await ctx.withInspector(async (inspector): Promise<DlqPurgeResult> => {
        const queue = inspector.deadLetters(channel);
        const count = wanted === 'all' ? await queue.size() : wanted.length;
        if (count === 0) {
          await ctx.requireChannel(inspector, channel);
          return { purged: 0, missing: [] };
        }
        await confirm(io, flags.yes === true, `delete ${plural(count, 'dead letter')} of ${shown} for good`);
        return wanted === 'all' ? { purged: await queue.purge('all'), missing: [] } : purgeEach(queue, wanted);
      });
      if (ctx.out.json) ctx.out.value({ channel, ...result } satisfies DlqPurgeJson);
      else ctx.out.line(`purged ${plural(result.purged, 'dead letter')} of ${shown}`);
      failIfMissing(channel, result.missing);
    });
}

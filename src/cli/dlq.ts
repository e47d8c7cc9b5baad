/**
 * `redis-streamer dlq list|show|replay|purge <channel>`: a channel's dead letters. Replay moves them
 * back to the group that failed them, and only to it (its replay stream); replay and purge ask for
 * confirmation on a terminal, need `--yes` otherwise, and a long replay reports its progress.
 */
import type { Command } from 'commander';
import type { DeadLetter } from '../delivery/dead-letters.js';
import { Context } from './context.js';
import { checkIds, registerPurge, registerReplay } from './dlq-change.js';
import { CommandFailure } from './errors.js';
import { formatBody, formatTime } from './format.js';
import type { Io } from './output.js';
import { parseCount } from './numbers.js';
import type { DlqListJson, DlqShowJson } from './shapes.js';
import { renderTable } from './table.js';
import { printable } from './terminal.js';

/** The human table of dead letters. */
export function deadLettersTable(list: readonly DeadLetter[]): string {
  return renderTable(
    [
      { header: 'DEAD LETTER' },
      { header: 'ENTRY' },
      { header: 'GROUP' },
      { header: 'REASON' },
      { header: 'ATTEMPTS', right: true },
      { header: 'LAST FAILURE' },
      { header: 'NAME' },
      { header: 'ERROR', max: 60 },
    ],
    list.map((d) => [
      d.deadLetterId,
      d.id,
      d.group,
      d.reason,
      String(d.attempts),
      formatTime(d.lastFailureMs || null),
      d.name ?? '-',
      d.error,
    ]),
  );
}

/**
 * One dead letter in full, for `dlq show`: every value whole, on one line (control characters,
 * line feeds among them, escaped), the stack line by line.
 */
export function deadLetterDetail(d: DeadLetter): string {
  const rows: Array<[string, string]> = [
    ['dead letter', d.deadLetterId],
    ['entry', d.id],
    ['channel', d.channel],
    ['group', d.group],
    ['consumer', d.consumer],
    ['reason', d.reason],
    ['attempts', String(d.attempts)],
    ['first failure', formatTime(d.firstFailureMs || null)],
    ['last failure', formatTime(d.lastFailureMs || null)],
    ['error', d.error],
    ['name', d.name ?? '-'],
    ['body', d.body === undefined ? '-' : formatBody(d.name ?? '', d.body)],
  ];
  for (const [key, value] of Object.entries(d.fields)) if (key !== 'name' && key !== 'body') rows.push([key, value]);
  const shown = rows.map(([k, v]) => [printable(k), printable(v)] as const);
  const width = Math.max(...shown.map(([k]) => k.length));
  const text = shown.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
  if (d.stack === '') return `${text}\n`;
  const stack = d.stack.split('\n').map((line) => `  ${printable(line)}`);
  return `${text}\nstack:\n${stack.join('\n')}\n`;
}

function registerList(dlq: Command, io: Io, env: NodeJS.ProcessEnv): void {
  dlq
    .command('list')
    .description("list a channel's dead letters, oldest first")
    .argument('<channel>', 'the channel')
    .option('--count <n>', 'at most this many', parseCount, 100)
    .option('--start <id>', 'the first dead-letter id to show (prefix with ( to exclude it)')
    .action(async (channel: string, flags: { count: number; start?: string }, command: Command) => {
      const ctx = new Context(io, env, command);
      const { total, deadLetters } = await ctx.withInspector(async (inspector) => {
        const queue = inspector.deadLetters(channel);
        const options = flags.start === undefined ? { count: flags.count } : { count: flags.count, start: flags.start };
        const size = await queue.size();
        if (size === 0) await ctx.requireChannel(inspector, channel);
        return { total: size, deadLetters: await queue.list(options) };
      });
      if (ctx.out.json) return ctx.out.value({ channel, total, deadLetters } satisfies DlqListJson);
      if (total === 0) return ctx.out.line(`channel ${printable(channel)} has no dead letters`);
      ctx.out.text(deadLettersTable(deadLetters));
      if (deadLetters.length < total) ctx.out.line(`(${deadLetters.length} of ${total}; see --count and --start)`);
    });
}

function registerShow(dlq: Command, io: Io, env: NodeJS.ProcessEnv): void {
  dlq
    .command('show')
    .description('show one dead letter in full: error, stack, attempts, original fields and body')
    .argument('<channel>', 'the channel')
    .argument('<id>', 'the dead-letter id (as `dlq list` shows it)')
    .action(async (channel: string, id: string, _flags: object, command: Command) => {
      checkIds([id], 'dlq show');
      const ctx = new Context(io, env, command);
      const [found] = await ctx.withInspector((i) => i.deadLetters(channel).list({ start: id, count: 1 }));
      if (found === undefined || found.deadLetterId !== id) {
        throw new CommandFailure(`channel ${channel} has no dead letter ${id}`);
      }
      if (ctx.out.json) ctx.out.value({ channel, deadLetter: found } satisfies DlqShowJson);
      else ctx.out.text(deadLetterDetail(found));
    });
}

/** Registers `dlq` and its subcommands. */
export function registerDlq(program: Command, io: Io, env: NodeJS.ProcessEnv): void {
  const dlq = program.command('dlq').description("a channel's dead letters: list, show, replay, purge");
  registerList(dlq, io, env);
  registerShow(dlq, io, env);
  registerReplay(dlq, io, env);
  registerPurge(dlq, io, env);
}

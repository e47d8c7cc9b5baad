/**
 * `redis-streamer tail <channel>`: follows a channel until Ctrl-C, printing each entry decoded as
 * consumers decode it. It reads with XRANGE and XREAD BLOCK, never through a consumer group, so it
 * consumes nothing. A dropped connection is retried, resuming after the last entry shown.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { AuthError, ConnectionError } from '../errors.js';
import type { Inspector } from '../inspect/inspector.js';
import type { TailEntry } from '../inspect/tail.js';
import { BODY_FIELD, NAME_FIELD } from '../message.js';
import { Context } from './context.js';
import { formatBody, formatTime } from './format.js';
import type { Io } from './output.js';
import type { TailJson } from './shapes.js';
import { interruptSignal } from './signals.js';
import { printable } from './terminal.js';

/** Every field of a raw entry, as an object (a field given twice keeps its last value). */
function fieldsOf(raw: readonly string[], skip: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i] as string;
    if (!skip.has(key)) out[key] = raw[i + 1] as string;
  }
  return out;
}

const NAME_AND_BODY: ReadonlySet<string> = new Set([NAME_FIELD, BODY_FIELD]);
const NOTHING: ReadonlySet<string> = new Set();

/** The `--json` line of an entry. */
export function tailJson(channel: string, entry: TailEntry): TailJson {
  const all = fieldsOf(entry.raw, NOTHING);
  const fields = fieldsOf(entry.raw, NAME_AND_BODY);
  const error = entry.error === null ? null : { reason: entry.error.reason, message: entry.error.message };
  return {
    channel,
    id: entry.id,
    timeMs: entry.timeMs,
    name: entry.message?.name ?? all[NAME_FIELD] ?? null,
    body: entry.message === null ? null : entry.message.body,
    bodyText: all[BODY_FIELD] ?? null,
    fields,
    error,
  };
}

/** The human line of an entry: every value from Redis printable (terminal.ts), on one line. */
export function tailLine(entry: TailEntry): string {
  const head = `${formatTime(entry.timeMs)}  ${printable(entry.id)}`;
  const extra = (fields: Readonly<Record<string, string>>): string =>
    Object.entries(fields)
      .map(([k, v]) => `  ${printable(k)}=${printable(v)}`)
      .join('');
  if (entry.message !== null) {
    const { name, body, fields } = entry.message;
    return `${head}  ${printable(name)}  ${printable(formatBody(name, body))}${extra(fields)}`;
  }
  const reason = entry.error === null ? 'undecodable' : `${entry.error.reason}: ${entry.error.message}`;
  return `${head}  [${printable(reason)}]${extra(fieldsOf(entry.raw, NOTHING))}`;
}

interface TailFlags {
  readonly fromStart?: boolean;
  readonly name?: string;
}

/** Whether a failure is worth retrying (a dropped or refused connection, not a refused login). */
function transient(err: unknown): boolean {
  return err instanceof ConnectionError && !(err instanceof AuthError);
}

async function follow(ctx: Context, inspector: Inspector, channel: string, flags: TailFlags): Promise<void> {
  const { signal, dispose } = interruptSignal();
  const controller = new AbortController();
  const undo = ctx.out.whenClosed(() => controller.abort());
  const both = AbortSignal.any([signal, controller.signal]);
  let after = flags.fromStart === true ? '0-0' : ((await inspector.lastEntryId(channel)) ?? '0-0');
  const from = flags.fromStart === true ? 'from its first entry' : after === '0-0' ? 'from now' : `after ${after}`;
  ctx.out.note(`following ${printable(channel)} ${from} (Ctrl-C to stop)`);
  // Not an error: a tail may start before the first publish. But a typo would wait forever, unsaid.
  // (A connection error is left to the loop below, which reports it.)
  const there = after !== '0-0' || (await ctx.channelThere(inspector, channel).catch(() => true));
  if (!there) ctx.out.note(`(${await ctx.noChannel(channel)} yet: waiting for its first entry)`);
  let lastProblem = '';
  try {
    while (!both.aborted) {
      try {
        for await (const entry of inspector.tail(channel, { after, signal: both })) {
          after = entry.id;
          lastProblem = '';
          if (flags.name !== undefined && tailJson(channel, entry).name !== flags.name) continue;
          if (ctx.out.json) ctx.out.record(tailJson(channel, entry));
          else ctx.out.line(tailLine(entry));
        }
      } catch (err) {
        if (both.aborted || !transient(err)) throw err;
        const problem = (err as Error).message;
        if (problem !== lastProblem) ctx.out.note(`redis-streamer: ${printable(problem)}; retrying`);
        lastProblem = problem;
        await sleep(1000, undefined, { signal: both }).catch(() => {});
      }
    }
  } finally {
    undo();
    dispose();
  }
}

/** Registers `tail`. */
export function registerTail(program: Command, io: Io, env: NodeJS.ProcessEnv): void {
  program
    .command('tail')
    .description(
      'follow a channel until Ctrl-C, printing entries decoded (name and body); reads without a consumer group, so it consumes nothing',
    )
    .argument('<channel>', 'the channel (stream key)')
    .option('--from-start', 'begin with the first entry of the stream (default: only entries appended from now)')
    .option('--name <event>', 'show only entries of this event name')
    .action(async (channel: string, flags: TailFlags, command: Command) => {
      const ctx = new Context(io, env, command);
      await ctx.withInspector((inspector) => follow(ctx, inspector, channel, flags));
    });
}

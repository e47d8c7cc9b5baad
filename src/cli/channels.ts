/**
 * `redis-streamer channels`: every channel (found with SCAN ... TYPE stream, never KEYS) with its
 * length, first and last entry time, groups and dead letters.
 */
import type { Command } from 'commander';
import type { ChannelInfo, Inspector } from '../inspect/inspector.js';
import { Context } from './context.js';
import { parseDuration } from './duration.js';
import { formatTime } from './format.js';
import type { Io } from './output.js';
import type { ChannelsJson } from './shapes.js';
import { renderTable } from './table.js';

/** Channels inspected at the same time. */
const PARALLEL = 8;

/** Every channel's info, in name order. */
export async function allChannels(inspector: Inspector): Promise<ChannelInfo[]> {
  const names = await inspector.channels();
  const infos: ChannelInfo[] = new Array<ChannelInfo>(names.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < names.length; i = next++) infos[i] = await inspector.channel(names[i] as string);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, names.length) }, worker));
  return infos;
}

/** The human table of channels. */
export function channelsTable(channels: readonly ChannelInfo[]): string {
  if (channels.length === 0) return 'no channels (no stream keys found)\n';
  return renderTable(
    [
      { header: 'CHANNEL' },
      { header: 'LENGTH', right: true },
      { header: 'FIRST ENTRY' },
      { header: 'LAST ENTRY' },
      { header: 'GROUPS', right: true },
      { header: 'STALE', right: true },
      { header: 'DEAD LETTERS', right: true },
    ],
    channels.map((c) => [
      c.channel,
      String(c.length),
      formatTime(c.firstEntryMs),
      formatTime(c.lastEntryMs),
      String(c.groups.length),
      String(c.groups.filter((g) => !g.live).length),
      String(c.deadLetters),
    ]),
  );
}

/** Registers `channels`. */
export function registerChannels(program: Command, io: Io, env: NodeJS.ProcessEnv): void {
  program
    .command('channels')
    .description('list channels: length, first and last entry time, groups (and how many are stale), dead letters')
    .option('--stale-after <duration>', 'a group whose consumers are all idle this long is stale', parseDuration)
    .action(async (options: { staleAfter?: number }, command: Command) => {
      const ctx = new Context(io, env, command);
      const channels = await ctx.withInspector(allChannels, options.staleAfter);
      if (ctx.out.json) ctx.out.value({ channels } satisfies ChannelsJson);
      else ctx.out.text(channelsTable(channels));
    });
}

/**
 * `redis-streamer groups <channel>`: per consumer group, its lag, pending entries, the age of the
 * oldest pending one, whether it is live or stale, and its consumers with their idle times.
 */
import type { Command } from 'commander';
import type { GroupInfo } from '../inspect/inspector.js';
import { Context } from './context.js';
import { formatDuration, parseDuration } from './duration.js';
import { formatAge, formatCount } from './format.js';
import type { Io } from './output.js';
import type { GroupsJson } from './shapes.js';
import { renderTable } from './table.js';
import { printable } from './terminal.js';

/** The Inspector's default staleness threshold (24 h). */
const DEFAULT_STALE_MS = 86_400_000;

/** The human tables of a channel's groups and their consumers. */
export function groupsTables(channel: string, groups: readonly GroupInfo[], staleGroupMs: number): string {
  if (groups.length === 0) return `channel ${printable(channel)} has no consumer groups\n`;
  const table = renderTable(
    [
      { header: 'GROUP' },
      { header: 'STATE' },
      { header: 'LAG', right: true },
      { header: 'PENDING', right: true },
      { header: 'OLDEST PENDING', right: true },
      { header: 'CONSUMERS', right: true },
      { header: 'LAST DELIVERED' },
    ],
    groups.map((g) => [
      g.name,
      g.live ? 'live' : 'stale',
      formatCount(g.lag),
      String(g.pending),
      formatAge(g.oldestPendingAgeMs),
      String(g.consumers.length),
      g.lastDeliveredId,
    ]),
  );
  const rows = groups.flatMap((g) =>
    g.consumers.map((c) => [
      g.name,
      c.name,
      String(c.pending),
      formatDuration(c.idleMs),
      c.idleMs >= staleGroupMs ? 'stale' : 'live',
    ]),
  );
  if (rows.length === 0) return `${table}\nno consumers\n`;
  const consumers = renderTable(
    [
      { header: 'GROUP' },
      { header: 'CONSUMER' },
      { header: 'PENDING', right: true },
      { header: 'IDLE', right: true },
      { header: 'STATE' },
    ],
    rows,
  );
  return `${table}\n${consumers}`;
}

/** Registers `groups`. */
export function registerGroups(program: Command, io: Io, env: NodeJS.ProcessEnv): void {
  program
    .command('groups')
    .description("a channel's consumer groups: lag, pending, oldest pending age, consumers and their idle times")
    .argument('<channel>', 'the channel (stream key)')
    .option(
      '--stale-after <duration>',
      'a group whose consumers are all idle this long is stale (as the streamers’ staleGroupMs)',
      parseDuration,
    )
    .action(async (channel: string, options: { staleAfter?: number }, command: Command) => {
      const ctx = new Context(io, env, command);
      const staleGroupMs = options.staleAfter ?? DEFAULT_STALE_MS;
      const info = await ctx.withInspector(async (i) => {
        const found = await i.channel(channel);
        await ctx.requireChannel(i, channel, found);
        return found;
      }, staleGroupMs);
      if (ctx.out.json) ctx.out.value({ channel, staleGroupMs, groups: info.groups } satisfies GroupsJson);
      else ctx.out.text(groupsTables(channel, info.groups, staleGroupMs));
    });
}

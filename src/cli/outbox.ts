/**
 * `redis-streamer outbox status`: what waits in a transactional outbox table (redis-streamer/outbox)
 * — unpublished rows per channel and the oldest one's age, failing rows with their attempts and
 * last error, dead rows. It reads PostgreSQL only (`--database-url`, else DATABASE_URL), with the
 * `pg` package, loaded when the command runs (an optional peer dependency: nothing else of the CLI
 * needs it). The connection is closed whatever happens, so the process exits by itself.
 */
import type { Command } from 'commander';
import type { OutboxStatus } from '../outbox/index.js';
import { Context } from './context.js';
import { CommandFailure, UsageError } from './errors.js';
import { formatAge, formatTime } from './format.js';
import type { Io } from './output.js';
import { renderTable, truncate } from './table.js';

/** `--json` prints the {@link OutboxStatus} as it is (src/outbox/status.ts documents each field). */
export type OutboxStatusJson = OutboxStatus;

interface StatusOptions {
  readonly databaseUrl?: string;
  readonly table?: string;
  readonly failing?: string;
}

/** The database URL from the flag or DATABASE_URL, checked (never printed: it may hold a password). */
function databaseUrl(options: StatusOptions, env: NodeJS.ProcessEnv): string {
  const url = options.databaseUrl ?? env['DATABASE_URL'];
  if (url === undefined || url === '') {
    throw new UsageError('outbox status needs the database: --database-url postgres://... or DATABASE_URL');
  }
  // Only the scheme is checked here: node-postgres reads the rest, including what WHATWG URLs refuse
  // (postgres://user@/db?host=/var/run/postgresql, a Unix socket with no host).
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    throw new UsageError('--database-url (or DATABASE_URL) is not a URL: give postgres://user@host:port/database');
  }
  if (scheme !== 'postgres' && scheme !== 'postgresql' && scheme !== 'socket') {
    throw new UsageError(`--database-url must be a postgres:// or postgresql:// URL, not ${scheme}://`);
  }
  return url;
}

function failingLimit(text: string | undefined): number {
  if (text === undefined) return 20;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n))
    throw new UsageError(`--failing must be a whole number, got "${text}"`);
  return n;
}

/** Reads the status with a client of its own, closed afterwards. */
async function readStatus(
  url: string,
  table: string | undefined,
  limit: number,
  timeoutMs: number,
): Promise<OutboxStatus> {
  const { Outbox } = await import('../outbox/index.js');
  const outbox = new Outbox(table === undefined ? {} : { table });
  let Client: typeof import('pg').Client;
  try {
    ({ Client } = (await import('pg')).default);
  } catch {
    throw new CommandFailure('redis-streamer outbox needs the pg package (node-postgres): npm install pg');
  }
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {}); // a dropped connection fails the query in flight; nothing else listens
  try {
    await client.connect();
  } catch (err) {
    const { DatabaseError } = await import('../outbox/errors.js');
    const why = err instanceof Error ? err.message : String(err);
    throw new DatabaseError(`could not connect to the database: ${why}`, null, { cause: err });
  }
  try {
    return await outbox.status(client, { failingLimit: limit });
  } finally {
    await client.end().catch(() => {});
  }
}

/** The human report. */
export function statusText(status: OutboxStatus): string {
  const head =
    `outbox ${status.table}: ${status.unpublished} unpublished (${status.failing} failing), ${status.dead} dead` +
    `, oldest ${formatAge(status.oldestUnpublishedAgeMs)}\n`;
  if (status.channels.length === 0) return head;
  const channels = renderTable(
    [
      { header: 'CHANNEL' },
      { header: 'UNPUBLISHED', right: true },
      { header: 'FAILING', right: true },
      { header: 'DEAD', right: true },
      { header: 'OLDEST', right: true },
    ],
    status.channels.map((c) => [
      c.channel,
      String(c.unpublished),
      String(c.failing),
      String(c.dead),
      formatAge(c.oldestUnpublishedAgeMs),
    ]),
  );
  if (status.failingRows.length === 0) return `${head}\n${channels}`;
  const rows = renderTable(
    ['ID', 'CHANNEL', 'NAME', 'ATTEMPTS', 'STATE', 'CREATED', 'LAST ERROR'].map((header) => ({
      header,
      right: header === 'ATTEMPTS',
    })),
    status.failingRows.map((r) => [
      r.id,
      r.channel,
      r.name,
      String(r.attempts),
      r.dead ? 'dead' : 'retrying',
      formatTime(r.createdAt),
      truncate(r.lastError ?? '-', 120),
    ]),
  );
  return `${head}\n${channels}\nfailing rows (oldest first):\n${rows}`;
}

/** Registers `outbox` and its `status` command. */
export function registerOutbox(program: Command, io: Io, env: NodeJS.ProcessEnv): void {
  const outbox = program
    .command('outbox')
    .description('a transactional outbox table in PostgreSQL (redis-streamer/outbox)');
  outbox
    .command('status')
    .description('unpublished rows per channel and the oldest one’s age, failing and dead rows (reads PostgreSQL only)')
    .option('--database-url <url>', 'PostgreSQL, postgres://user@host:port/db (default DATABASE_URL); never printed')
    .option('--table <name>', 'the outbox table, optionally schema.table (default outbox)')
    .option('--failing <n>', 'list at most this many failing or dead rows (default 20)')
    .action(async (options: StatusOptions, command: Command) => {
      const ctx = new Context(io, env, command);
      const url = databaseUrl(options, env);
      const limit = failingLimit(options.failing);
      const timeoutMs = command.optsWithGlobals<{ connectTimeout?: number }>().connectTimeout ?? 10_000;
      const status = await readStatus(url, options.table, limit, timeoutMs);
      if (ctx.out.json) ctx.out.value(status satisfies OutboxStatusJson);
      else ctx.out.text(statusText(status));
    });
}

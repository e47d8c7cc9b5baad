/**
 * `redis-streamer dashboard`: serves the web dashboard (src/dashboard/server.ts) on top of an
 * Inspector until Ctrl-C, once Redis has answered (a refused login or an unreachable server is a
 * failure, exit 1, before anything listens). The dashboard module is imported only when this
 * command runs, so the other commands never load it.
 */
import type { Command } from 'commander';
import { Context } from './context.js';
import { CommandFailure } from './errors.js';
import { parsePort } from './numbers.js';
import type { Io } from './output.js';
import type { DashboardJson } from './shapes.js';
import { interruptSignal } from './signals.js';

/** The environment variable that may hold the token (kept out of `ps`, unlike `--token`). */
const TOKEN_ENV = 'REDIS_STREAMER_DASHBOARD_TOKEN';

interface DashboardFlags {
  readonly port?: number;
  readonly host?: string;
  readonly token?: string;
  readonly readOnly?: boolean;
}

async function serve(ctx: Context, flags: DashboardFlags): Promise<void> {
  const { startDashboard } = await import('../dashboard/server.js');
  const { signal, dispose } = interruptSignal();
  const inspector = await ctx.inspector();
  const token = flags.token ?? (ctx.env[TOKEN_ENV] || undefined);
  try {
    // Redis is asked once before listening, as every other command does: a wrong password or an
    // unreachable server ends the command (exit 1, one line) instead of serving a page of errors.
    await inspector.channels();
    const dashboard = await startDashboard({
      inspector,
      logger: ctx.logger,
      ...(flags.host === undefined ? {} : { host: flags.host }),
      ...(flags.port === undefined ? {} : { port: flags.port }),
      ...(token === undefined ? {} : { token }),
      ...(flags.readOnly === true ? { readOnly: true } : {}),
    });
    try {
      if (ctx.out.json) ctx.out.record({ url: dashboard.url } satisfies DashboardJson);
      else ctx.out.line(`dashboard at ${dashboard.url} (Ctrl-C to stop)`);
      if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    } finally {
      await dashboard.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new CommandFailure(`the dashboard cannot listen there: ${(err as Error).message}`, { cause: err });
    }
    throw err;
  } finally {
    dispose();
    await inspector.close();
  }
}

/** Registers `dashboard`. */
export function registerDashboard(program: Command, io: Io, env: NodeJS.ProcessEnv): void {
  program
    .command('dashboard')
    .description('serve the web dashboard until Ctrl-C')
    .option('--port <port>', 'TCP port (0: any free port; default 8787)', parsePort)
    .option('--host <host>', 'address to listen on (default 127.0.0.1; any other needs a token)')
    .option('--token <token>', `the access token (or ${TOKEN_ENV}; generated when needed and not given)`)
    .option('--read-only', 'no replay or purge from the dashboard')
    .action(async (flags: DashboardFlags, command: Command) => {
      await serve(new Context(io, env, command), flags);
    });
}

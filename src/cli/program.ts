/**
 * The `redis-streamer` command line: the program, its global options (where Redis is, `--json`,
 * `--verbose`) and its commands, one file each. {@link run} parses, runs one command and returns
 * the exit code (0 ok, 1 failure, 2 usage error); it never calls `process.exit`, and every command
 * closes its connections, so the process ends by itself.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CLIENT_NAMES } from '../connection/client-choice.js';
import { registerAsyncApi } from './asyncapi.js';
import { registerChannels } from './channels.js';
import { DEFAULT_URL } from './flags.js';
import { registerDashboard } from './dashboard.js';
import { registerDlq } from './dlq.js';
import { parseDuration } from './duration.js';
import { describeError, EXIT, exitCodeOf } from './errors.js';
import { registerGroups } from './groups.js';
import type { Io } from './output.js';
import { registerOutbox } from './outbox.js';
import { registerPublish } from './publish.js';
import { registerTail } from './tail.js';
import { printableLines } from './terminal.js';
import { registerTrim } from './trim.js';

function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const EPILOG = `
Redis: --url (repeat it for the nodes of a Redis Cluster), else REDIS_URL, else ${DEFAULT_URL}.
With --sentinel, the URL gives the data nodes' login and db; REDIS_SENTINEL_USERNAME and
REDIS_SENTINEL_PASSWORD the sentinels' login, if they need one. A rediss:// URL turns TLS on;
--tls-* files do too. Passwords are never printed. --client (else REDIS_STREAMER_CLIENT) picks the
Redis client library: node-redis (the default) or ioredis, which must be installed (npm i ioredis).

Output: human tables; --json for scripts (shapes documented in src/cli/shapes.ts). Exit codes:
0 ok, 1 failure (Redis unreachable, a command refused or declined), 2 usage error.`;

/** Declares the global options. */
function globalOptions(program: Command): void {
  program
    .option(
      '-u, --url <url>',
      `Redis URL, redis:// or rediss:// (repeatable: cluster nodes; default REDIS_URL or ${DEFAULT_URL})`,
      collect,
    )
    .option('--cluster', 'the URL is a node of a Redis Cluster')
    .option('--sentinel <host:port>', 'a Sentinel to ask for the primary (repeatable; with --primary-name)', collect)
    .option('--primary-name <name>', 'the name the sentinels know the primary by')
    .option('--tls-ca <file>', 'PEM file of the CA that signed the server certificate (turns TLS on)')
    .option('--tls-cert <file>', 'PEM client certificate (with --tls-key)')
    .option('--tls-key <file>', 'PEM key of the client certificate')
    .option('--tls-servername <name>', 'server name to verify the certificate against (SNI)')
    .addOption(
      new Option('--connect-timeout <duration>', 'give up connecting after this long (default 10s)').argParser(
        parseDuration,
      ),
    )
    .addOption(
      new Option('--client <name>', 'the Redis client library: node-redis, or ioredis (installed apart)').choices(
        CLIENT_NAMES,
      ),
    )
    .option('--json', 'results as JSON (stable shapes) instead of tables')
    .option('-v, --verbose', 'errors with their stack; the library’s warnings on stderr');
}

/** The program, writing to `io`. */
export function buildProgram(io: Io, env: NodeJS.ProcessEnv): Command {
  const program = new Command('redis-streamer')
    .description(
      'Operate redis-streamer (and dtpyfw) channels on Redis Streams: inspect, follow, publish, dead letters, trim, AsyncAPI',
    )
    .version(version(), '-V, --version')
    .showSuggestionAfterError(true)
    .addHelpText('after', EPILOG)
    .configureOutput({
      // Commander's messages quote the command line: printable, as everything the CLI writes.
      writeOut: (text) => io.stdout.write(printableLines(text)),
      writeErr: (text) => io.stderr.write(printableLines(text)),
    });
  globalOptions(program);
  registerChannels(program, io, env);
  registerGroups(program, io, env);
  registerTail(program, io, env);
  registerPublish(program, io, env);
  registerDlq(program, io, env);
  registerTrim(program, io, env);
  registerDashboard(program, io, env);
  registerAsyncApi(program, io);
  registerOutbox(program, io, env);
  const exitOverride = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

/** Runs the command line (`argv` as `process.argv`), returning the exit code. */
export async function run(argv: readonly string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = buildProgram(io, env);
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv]);
    return EXIT.ok;
  } catch (err) {
    const code = exitCodeOf(err);
    // Commander has printed its own errors (and help); the others get one line here.
    if (!(err instanceof Error && 'code' in err && String(err.code).startsWith('commander.'))) {
      const verbose = program.opts<{ verbose?: boolean }>().verbose === true || argv.includes('--verbose');
      io.stderr.write(`${describeError(err, verbose)}\n`);
    }
    return code;
  }
}

/**
 * `redis-streamer asyncapi <module>`: the AsyncAPI 3.0 document of the channel contracts a built
 * JavaScript module exports (see `toAsyncApi`). The module either exports `asyncapi` (the options
 * of `toAsyncApi`: title, version, channels, services) or exports contracts made by
 * `defineChannel`, which are then described as channels. Needs no Redis.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { isChannelContract, type AnyChannelContract } from '../contract/channel.js';
import { toAsyncApi, type AsyncApiOptions } from '../contract/asyncapi.js';
import { CommandFailure, UsageError } from './errors.js';
import type { Io } from './output.js';
import { printable } from './terminal.js';

/** The options of `asyncapi`. */
interface AsyncApiFlags {
  readonly out?: string;
  readonly title?: string;
  readonly docVersion?: string;
  readonly server?: string;
}

/** Registers `asyncapi`. */
export function registerAsyncApi(program: Command, io: Io): void {
  program
    .command('asyncapi')
    .description('print the AsyncAPI 3.0 document of the channel contracts a built JavaScript module exports')
    .argument('<module>', 'a JavaScript module (ESM or CommonJS) exporting `asyncapi` options or contracts')
    .option('-o, --out <file>', 'write the document to this file instead of stdout')
    .option('--title <title>', 'the document title (default: the module’s `asyncapi.title`, else its file name)')
    .option('--doc-version <version>', 'the API version in the document (default: `asyncapi.version`, else 1.0.0)')
    .option('--server <host:port>', 'the Redis server to name in the document')
    .action(async (module: string, flags: AsyncApiFlags) => {
      const exports = await load(module);
      const options = optionsFrom(module, exports, flags, (message) => {
        io.stderr.write(`redis-streamer: warning: ${printable(message)}\n`);
      });
      const text = `${JSON.stringify(toAsyncApi(options), null, 2)}\n`;
      if (flags.out === undefined) io.stdout.write(text);
      else await writeFile(flags.out, text);
    });
}

async function load(module: string): Promise<Record<string, unknown>> {
  const path = resolve(module);
  if (!existsSync(path)) throw new UsageError(`cannot find the module ${module}`);
  try {
    return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Node runs JavaScript: a TypeScript module must be compiled first (or this run under tsx).
    const hint =
      code === 'ERR_UNKNOWN_FILE_EXTENSION'
        ? ' (give the compiled .js module, or run the CLI with tsx: npx tsx node_modules/.bin/redis-streamer ...)'
        : '';
    throw new CommandFailure(`the module ${module} failed to load: ${(err as Error).message}${hint}`);
  }
}

function optionsFrom(
  module: string,
  exports: Record<string, unknown>,
  flags: AsyncApiFlags,
  onWarning: (message: string) => void,
): AsyncApiOptions {
  const given = (exports['asyncapi'] ?? (exports['default'] as Record<string, unknown> | undefined)?.['asyncapi']) as
    Partial<AsyncApiOptions> | undefined;
  const contracts = given === undefined ? contractsOf(exports) : undefined;
  if (given === undefined && contracts?.length === 0) {
    throw new CommandFailure(
      `the module ${module} exports neither \`asyncapi\` nor any contract made by defineChannel()`,
    );
  }
  const host = flags.server;
  return {
    ...given,
    title: flags.title ?? given?.title ?? module.replace(/^.*[\\/]/, ''),
    version: flags.docVersion ?? given?.version ?? '1.0.0',
    ...(contracts === undefined ? {} : { channels: contracts }),
    ...(host === undefined ? {} : { server: { host } }),
    onWarning,
  };
}

/** The contracts among a module's exports (and its default export's properties), each once. */
function contractsOf(exports: Record<string, unknown>): AnyChannelContract[] {
  const found = new Set<AnyChannelContract>();
  const fromDefault = exports['default'];
  const values: unknown[] = Object.values(exports);
  if (typeof fromDefault === 'object' && fromDefault !== null)
    values.push(...(Object.values(fromDefault) as unknown[]));
  for (const value of values) if (isChannelContract(value)) found.add(value);
  return [...found];
}

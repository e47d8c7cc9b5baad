/**
 * `redis-streamer publish <channel> <name> <json|@file|->`: publishes one event through the
 * library's publish path (`RedisStreamer.sendMessage`: the dtpyfw wire format, the size check),
 * and prints its id. The body is JSON given inline, read from a file (`@path`) or from stdin (`-`);
 * Python's NaN and Infinity tokens are accepted, as consumers accept them.
 */
import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { Message, parseBody } from '../message.js';
import { Context } from './context.js';
import { parseDuration } from './duration.js';
import { UsageError } from './errors.js';
import { parseInteger } from './numbers.js';
import type { Io } from './output.js';
import type { PublishJson } from './shapes.js';

/** The service name the CLI's streamer uses (it only publishes: no group is created). */
const SERVICE = 'redis-streamer-cli';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The body's JSON text: inline, `@file`, or `-` (stdin). */
export async function bodyText(source: string, stdin: NodeJS.ReadableStream): Promise<string> {
  if (source === '-') return readAll(stdin);
  if (!source.startsWith('@')) return source;
  const file = source.slice(1);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the body file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/**
 * Parses the body as consumers do (JSON, with NaN and ±Infinity); a usage error when it is not, or
 * when it holds an integer a JavaScript number cannot hold exactly (it would be published changed).
 */
export function parseJsonBody(text: string, source: string): unknown {
  const where =
    source === '-' ? 'the body from stdin' : source.startsWith('@') ? `the body file ${source.slice(1)}` : 'the body';
  if (text.trim() === '') throw new UsageError(`${where} is empty: give JSON, such as {} or null`);
  let body: unknown;
  try {
    body = parseBody(text);
  } catch (err) {
    const reason = (err as Error).message.replace(/^body is not valid JSON:\s*/, '');
    throw new UsageError(`${where} is not valid JSON: ${reason}`);
  }
  const changed = changedNumber(text);
  if (changed !== undefined) {
    throw new UsageError(
      `${where} has the number ${changed}, which a JavaScript number cannot keep as written (integers beyond ±${Number.MAX_SAFE_INTEGER}): it would be published as ${JSON.stringify(Number(changed))}; write it as a string ("${changed}")`,
    );
  }
  return body;
}

/** A number of JSON text, at a position: the sticky expression reads one token. */
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * The first number written in JSON `text` (outside strings) that JavaScript would write back as
 * another number, where a Python consumer reads integers exactly: an integer it cannot hold (a
 * 64-bit id: 12345678901234567890 becomes 12345678901234567000, and 10000000000000000000000 the
 * float 1e+22), or a float written back as a large integer of another value.
 */
function changedNumber(text: string): string | undefined {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    if (c !== '-' && (c === undefined || c < '0' || c > '9')) continue;
    NUMBER.lastIndex = i;
    const token = NUMBER.exec(text)?.[0];
    if (token === undefined) continue;
    i += token.length - 1;
    const written = String(Number(token));
    const float = /[.eE]/.test(token);
    if (!float && written !== token && token !== '-0') return token;
    if (float && !/[.e]/.test(written) && !Number.isSafeInteger(Number(written))) return token;
  }
  return undefined;
}

/** The options of `publish`. */
interface PublishFlags {
  readonly key?: string;
  readonly replicas?: number;
  /** In ms. */
  readonly replicaTimeout?: number;
}

/** Registers `publish`. */
export function registerPublish(program: Command, io: Io, env: NodeJS.ProcessEnv): void {
  program
    .command('publish')
    .description('publish one event (XADD name/body, as this library and dtpyfw write it) and print its id')
    .argument('<channel>', 'the channel (stream key)')
    .argument('<name>', 'the event name, such as order.created')
    .argument('<body>', 'the JSON body: inline, @file to read a file, or - to read stdin')
    .option(
      '--key <idempotency-key>',
      'publish once per key within the publish dedup window (24h): a repeat prints the first id',
    )
    .addOption(
      new Option(
        '--replicas <n>',
        'exit only once this many replicas have the entry (WAIT); fewer is a failure',
      ).argParser((text) => parseInteger(text, 0, 100)),
    )
    .addOption(
      new Option('--replica-timeout <duration>', 'how long to wait for the replicas (default 1s)').argParser(
        parseDuration,
      ),
    )
    .action(async (channel: string, name: string, source: string, options: PublishFlags, command: Command) => {
      const ctx = new Context(io, env, command);
      const body = parseJsonBody(await bodyText(source, io.stdin), source);
      const { RedisStreamer } = await import('../streamer.js');
      const streamer = new RedisStreamer(await ctx.redis(), SERVICE, { logger: ctx.logger });
      let id: string;
      try {
        id = await streamer.sendMessage(channel, new Message(name, body), {
          ...(options.key === undefined ? {} : { idempotencyKey: options.key }),
          ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
          ...(options.replicaTimeout === undefined ? {} : { timeoutMs: options.replicaTimeout }),
        });
      } finally {
        await streamer.cleanup();
      }
      if (ctx.out.json) ctx.out.value({ channel, id } satisfies PublishJson);
      else ctx.out.line(id);
    });
}

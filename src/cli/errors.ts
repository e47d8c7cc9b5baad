/**
 * The CLI's exit codes, which a script can trust: 0 ok, 1 a failure (Redis unreachable, a command
 * refused or declined), 2 a usage error (an unknown option, a bad duration, invalid JSON, a bad
 * URL). Errors are shown in one line, without a stack unless `--verbose`.
 */
import { inspect } from 'node:util';
import { CommanderError } from 'commander';
import { ConfigError, InvalidMessageError, MessageTooLargeError } from '../errors.js';
import { printable, printableLines } from './terminal.js';

/** Exit codes. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A usage error: the command line is wrong (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command was refused or declined (exit 1), with a message that says why. */
export class CommandFailure extends Error {
  override readonly name = 'CommandFailure';
}

/** Commander's codes that end a run successfully (help or version shown). */
const SHOWN = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help']);

/** The exit code for an error that ended a command. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) {
    return SHOWN.has(err.code) && err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof ConfigError || err instanceof InvalidMessageError || err instanceof MessageTooLargeError) {
    return EXIT.usage;
  }
  return EXIT.failure;
}

/**
 * The error as one line (`redis-streamer: <message>`), or with its stack and causes when verbose,
 * printable: a message may quote names and replies from Redis (terminal.ts).
 */
export function describeError(err: unknown, verbose: boolean): string {
  const message = err instanceof Error ? err.message : String(err);
  const line = `redis-streamer: ${printable(oneLine(message))}`;
  if (!verbose || !(err instanceof Error)) return line;
  const parts = [line, err.stack ?? ''];
  let cause: unknown = err.cause;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    parts.push(`caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : inspect(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return printableLines(parts.join('\n'));
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

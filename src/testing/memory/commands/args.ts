/** Helpers for reading command arguments as Redis does. */
import { errors, parseInteger, ReplyError, type Reply } from '../reply.js';
import type { MemoryStore } from '../store/store.js';
import type { Stream } from '../store/stream.js';

/** A command: its arguments (without its name) to its reply. */
export type Handler = (store: MemoryStore, args: readonly string[]) => Reply;

/** Fails with Redis' arity error unless `args` has `min` to `max` arguments. */
export function arity(name: string, args: readonly string[], min: number, max = min): void {
  if (args.length < min || args.length > max) throw errors.arity(name);
}

/** The argument at `i` (the caller checked the arity). */
export function arg(args: readonly string[], i: number): string {
  const value = args[i];
  if (value === undefined) throw errors.syntax();
  return value;
}

/** An integer argument. */
export function int(args: readonly string[], i: number, error?: () => ReplyError): number {
  return parseInteger(arg(args, i), error);
}

/** Case-insensitive equality of an option name. */
export function is(text: string | undefined, option: string): boolean {
  // The library writes options in capitals: compared as they are first, without a copy.
  return text !== undefined && (text === option || (text.length === option.length && text.toUpperCase() === option));
}

/** The stream at `key`: undefined when missing, WRONGTYPE when another type. */
export function streamAt(store: MemoryStore, key: string): Stream | undefined {
  return store.keys.get(key, 'stream');
}

/** A Redis error reply with this text. */
export function fail(message: string): never {
  throw new ReplyError(message);
}

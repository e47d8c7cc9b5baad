/** A script twin: the JavaScript that does what one Lua script of src/scripts/ does, over the store. */
import type { Reply } from '../reply.js';
import type { ScriptRedis } from './lua.js';

/** One twin. */
export interface Twin {
  /** The file in src/scripts/ it mirrors. */
  readonly mirrors: string;
  /**
   * SHA1 of that file's text when this twin was last checked against it: a test fails when the
   * file changes, so that the twin is reviewed (and this updated) with it.
   */
  readonly sha1: string;
  /** Runs it: KEYS and ARGV as strings (ARGV[1] is `argv[0]`); the reply as Redis would give it. */
  run(r: ScriptRedis, keys: readonly string[], argv: readonly string[]): Reply;
}

/** ARGV[i] (1-based, as in the Lua), or undefined (nil). */
export function argvOf(argv: readonly string[]): (i: number) => string | undefined {
  return (i) => argv[i - 1];
}

/** KEYS[i] (1-based), which the wrapper guarantees. */
export function keysOf(keys: readonly string[]): (i: number) => string {
  return (i) => keys[i - 1] ?? '';
}

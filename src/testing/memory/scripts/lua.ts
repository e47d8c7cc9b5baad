/**
 * What a script twin needs from Lua's world: `redis.call` and `pcall(redis.call, ...)` over the
 * store (numbers passed as Redis' Lua bridge writes them), and Lua 5.1's `tonumber`, whose edge
 * cases (an empty string is nil, spaces around a number are fine) the scripts rely on.
 */
import { callArgs } from '../commands/index.js';
import { ReplyError, type Reply } from '../reply.js';
import type { MemoryStore } from '../store/store.js';

/** A script argument as Lua would pass it to redis.call. */
export type LuaArg = string | number;

/** `redis.call` and `pcall(redis.call, ...)` for a twin. */
export interface ScriptRedis {
  /** redis.call: the reply, or throws the error (which ends the script, as in Lua). */
  call(...args: LuaArg[]): Reply;
  /** pcall(redis.call, ...): the reply, or the error's message. */
  pcall(...args: LuaArg[]): { ok: true; reply: Reply } | { ok: false; err: string };
  /** The store, for the few twins that read it directly. */
  readonly store: MemoryStore;
}

/** A number as the Lua bridge writes it into a command (whole numbers without a fraction). */
function text(value: LuaArg): string {
  if (typeof value === 'string' || Number.isSafeInteger(value)) return String(value); // a safe integer's toFixed(0)
  return Number.isInteger(value) ? value.toFixed(0) : String(value);
}

/** A command's arguments (after its name) as the bridge writes them: strings as they are. */
function commandArgs(args: readonly LuaArg[]): string[] {
  const out = new Array<string>(Math.max(0, args.length - 1));
  for (let i = 1; i < args.length; i++) out[i - 1] = text(args[i] as LuaArg);
  return out;
}

/** The `redis` object of a script run on a store (already inside the store's atomic step). */
class LuaBridge implements ScriptRedis {
  constructor(readonly store: MemoryStore) {}

  call(...args: LuaArg[]): Reply {
    return callArgs(this.store, text(args[0] ?? ''), commandArgs(args));
  }

  pcall(...args: LuaArg[]): { ok: true; reply: Reply } | { ok: false; err: string } {
    try {
      return { ok: true, reply: this.call(...args) };
    } catch (err) {
      if (err instanceof ReplyError) return { ok: false, err: err.message };
      throw err;
    }
  }
}

/** The `redis` object of a script run on `store` (already inside the store's atomic step). */
export function scriptRedis(store: MemoryStore): ScriptRedis {
  return new LuaBridge(store);
}

const DECIMAL = /^[ \t\n\v\f\r]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[ \t\n\v\f\r]*$/;
const HEX = /^[ \t\n\v\f\r]*0[xX][0-9a-fA-F]+[ \t\n\v\f\r]*$/;

/** Whether `text` is a short run of decimal digits (what most script arguments are): read at once. */
function isPlainDigits(text: string): boolean {
  if (text.length === 0 || text.length > 15) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Lua 5.1's tonumber of a reply value: numbers stay, numeric strings convert, anything else is nil. */
export function toNumber(value: Reply | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  if (isPlainDigits(value)) return Number(value);
  if (DECIMAL.test(value)) return Number(value.trim());
  if (HEX.test(value)) return Number.parseInt(value.trim(), 16);
  return undefined;
}

/** A number where the Lua code would fail on nil (arithmetic, comparison): Lua's error, as Redis reports it. */
export function num(value: Reply | undefined): number {
  const n = toNumber(value);
  if (n === undefined) throw new ReplyError('ERR user_script: attempt to perform arithmetic on a nil value');
  return n;
}

/** A string reply (Lua string), or throws as Lua would on a nil concatenation. */
export function str(value: Reply | undefined): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new ReplyError('ERR user_script: attempt to concatenate a nil value');
}

/** A table reply (array), or an empty one for nil. */
export function arr(value: Reply | undefined): Reply[] {
  return Array.isArray(value) ? value : [];
}

/** An error the Lua code itself raises (not a command's): Redis reports it with the ERR prefix. */
export function luaError(message: string): ReplyError {
  return new ReplyError(`ERR user_script: ${message}`);
}

/**
 * The next cursor of a page of XPENDING rows, as reclaim and recover-own compute it: the last id
 * when the page is full (`#pending == count`), else '0-0'.
 */
export function cursor(pending: readonly Reply[], count: number | undefined): string {
  if (pending.length !== count) return '0-0';
  const last = pending[pending.length - 1];
  if (last === undefined) throw luaError('attempt to index a nil value');
  return str(arr(last)[0]);
}

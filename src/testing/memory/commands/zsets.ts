/** Sorted sets: ZADD (NX/XX/GT/LT/CH), ZCOUNT, ZREMRANGEBYRANK, ZRANGE (by rank), ZCARD, ZSCORE. */
import { errors, ReplyError, type Reply } from '../reply.js';
import { arg, arity, int, type Handler } from './args.js';

/** A score as Redis reads it (strtod: inf, -inf, +inf allowed; NaN refused). */
function score(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  const value = text.trim() === text && text !== '' ? Number(text) : NaN;
  if (Number.isNaN(value)) throw errors.notFloat();
  return value;
}

/** A score as Redis writes it (integers without a fraction; others with up to 17 digits). */
export function formatScore(value: number): string {
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Number.isInteger(value) && Math.abs(value) < 1e17) return String(value);
  return String(Number(value.toPrecision(17)));
}

interface ZaddFlags {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
  ch: boolean;
}

/** ZADD's flags (before the first score); the index of the first score. */
function zaddFlags(args: readonly string[]): { flags: ZaddFlags; at: number } {
  const flags: ZaddFlags = { nx: false, xx: false, gt: false, lt: false, ch: false };
  let i = 1;
  for (; i < args.length; i++) {
    const opt = args[i]?.toUpperCase();
    if (opt === 'NX' || opt === 'XX' || opt === 'GT' || opt === 'LT' || opt === 'CH') {
      flags[opt.toLowerCase() as keyof ZaddFlags] = true;
    } else if (opt === 'INCR') throw errors.unmodelled('ZADD INCR');
    else break;
  }
  const pairs = args.length - i;
  if (pairs === 0 || pairs % 2 !== 0) throw errors.syntax();
  if (flags.nx && flags.xx) throw new ReplyError('ERR XX and NX options at the same time are not compatible');
  if ((flags.gt && flags.nx) || (flags.lt && flags.nx) || (flags.gt && flags.lt)) {
    throw new ReplyError('ERR GT, LT, and/or NX options at the same time are not compatible');
  }
  return { flags, at: i };
}

/** Whether ZADD with these flags writes `value` for a member whose score is `old` (undefined: new). */
function zaddWrites(f: ZaddFlags, old: number | undefined, value: number): boolean {
  if (old === undefined) return !f.xx;
  if (f.nx) return false;
  if (f.gt && !(value > old)) return false;
  return !(f.lt && !(value < old));
}

/** ZADD key [NX|XX] [GT|LT] [CH] score member [score member ...] */
export const zadd: Handler = (store, args) => {
  if (args.length < 3) throw errors.arity('zadd');
  const { flags, at } = zaddFlags(args);
  const scores: number[] = [];
  for (let j = at; j < args.length; j += 2) scores.push(score(arg(args, j)));
  const key = arg(args, 0);
  const set = store.keys.get(key, 'zset') ?? (flags.xx ? undefined : store.keys.getOrCreate(key, 'zset'));
  if (set === undefined) return 0;
  let added = 0;
  let changed = 0;
  for (let j = at, k = 0; j < args.length; j += 2, k++) {
    const member = arg(args, j + 1);
    const old = set.score(member);
    const value = scores[k] as number;
    if (!zaddWrites(flags, old, value)) continue;
    if (old === undefined) added++;
    else if (old !== value) changed++;
    set.set(member, value);
  }
  return flags.ch ? added + changed : added;
};

function bound(text: string): { value: number; exclusive: boolean } {
  const exclusive = text.startsWith('(');
  try {
    return { value: score(exclusive ? text.slice(1) : text), exclusive };
  } catch {
    throw new ReplyError('ERR min or max is not a float');
  }
}

/** ZCOUNT key min max */
export const zcount: Handler = (store, args) => {
  arity('zcount', args, 3);
  const min = bound(arg(args, 1));
  const max = bound(arg(args, 2));
  const set = store.keys.get(arg(args, 0), 'zset');
  return set === undefined ? 0 : set.count(min.value, min.exclusive, max.value, max.exclusive);
};

/** Clamps a rank range as Redis does; undefined when empty. */
function ranks(start: number, stop: number, size: number): [number, number] | undefined {
  let a = start < 0 ? size + start : start;
  let b = stop < 0 ? size + stop : stop;
  if (a < 0) a = 0;
  if (a > b || a >= size) return undefined;
  if (b >= size) b = size - 1;
  return [a, b];
}

/** ZREMRANGEBYRANK key start stop */
export const zremrangebyrank: Handler = (store, args) => {
  arity('zremrangebyrank', args, 3);
  const start = int(args, 1);
  const stop = int(args, 2);
  const key = arg(args, 0);
  const set = store.keys.get(key, 'zset');
  const range = set === undefined ? undefined : ranks(start, stop, set.size);
  if (set === undefined || range === undefined) return 0;
  const removed = set.removeRanks(range[0], range[1]);
  if (set.size === 0) store.keys.delete(key);
  return removed;
};

/** ZRANGE key start stop [WITHSCORES] (by rank only) */
export const zrange: Handler = (store, args) => {
  if (args.length < 3 || args.length > 4) throw errors.unmodelled('ZRANGE other than by rank');
  const withScores = args.length === 4;
  if (withScores && args[3]?.toUpperCase() !== 'WITHSCORES') throw errors.syntax();
  const set = store.keys.get(arg(args, 0), 'zset');
  const range = set === undefined ? undefined : ranks(int(args, 1), int(args, 2), set.size);
  if (set === undefined || range === undefined) return [];
  const out: Reply[] = [];
  for (const item of set.ranks(range[0], range[1])) {
    out.push(item.member);
    if (withScores) out.push(formatScore(item.score));
  }
  return out;
};

/** ZCARD key */
export const zcard: Handler = (store, args) => {
  arity('zcard', args, 1);
  return store.keys.get(arg(args, 0), 'zset')?.size ?? 0;
};

/** ZSCORE key member */
export const zscore: Handler = (store, args) => {
  arity('zscore', args, 2);
  const value = store.keys.get(arg(args, 0), 'zset')?.score(arg(args, 1));
  return value === undefined ? null : formatScore(value);
};

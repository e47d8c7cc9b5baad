/**
 * The dry run's bounded counting of src/scripts/retention-3.lua (count_walk, count_between): how
 * many entries lie in a range, reading pages of at most 100 and at most `limit` + 1 entries per walk.
 */
import { arr, str, type ScriptRedis } from './lua.js';
import { rsCmp } from './prelude.js';

/** The counting state of one script run (its walks are remembered). */
export class RangeCounter {
  private readonly walked = new Map<string, number>();

  constructor(
    private readonly r: ScriptRedis,
    private readonly limit: number,
  ) {}

  /** count_walk: entries XRANGE (or XREVRANGE) from `a` to `b` gives, up to `limit` + 1. */
  walk(cmd: 'XRANGE' | 'XREVRANGE', key: string, a: string, b: string): number {
    const memo = `${cmd} ${key} ${a} ${b}`;
    const known = this.walked.get(memo);
    if (known !== undefined) return known;
    let n = 0;
    let from = a;
    while (n <= this.limit) {
      const want = Math.min(100, this.limit + 1 - n);
      const page = arr(this.r.call(cmd, key, from, b, 'COUNT', want));
      n += page.length;
      if (page.length < want) break;
      from = `(${str(arr(page[page.length - 1])[0])}`;
    }
    this.walked.set(memo, n);
    return n;
  }

  /** count_between: entries of `key` in [lo, hi): exact, or -(n + 1) for "at least n". */
  between(key: string, lo: string | undefined, hi: string | undefined, len: number): number {
    if (hi === undefined || hi === '0-0' || (lo !== undefined && rsCmp(hi, lo) <= 0)) return 0;
    const direct = this.walk('XRANGE', key, lo ?? '-', `(${hi}`);
    if (direct <= this.limit) return direct;
    const fromHi = this.walk('XREVRANGE', key, '+', hi);
    if (fromHi > this.limit) return -(this.limit + 2);
    if (lo === undefined) return len - fromHi;
    const fromLo = this.walk('XREVRANGE', key, '+', lo);
    if (fromLo <= this.limit) return fromLo - fromHi;
    return -(this.limit + 2);
  }
}

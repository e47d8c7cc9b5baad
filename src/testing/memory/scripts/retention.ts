/** Twin of src/scripts/retention-3.lua: trims a channel by age and length, sparing what live groups need. */
import { arr, num, str, toNumber, type ScriptRedis } from './lua.js';
import { rsCmp, rsFirstSeen, rsFirstSeenRead, rsGroupLive, rsGroupNeed, rsInt, rsNowMs, rsPairs } from './prelude.js';
import { RangeCounter } from './retention-count.js';
import { argvOf, type Twin } from './twin.js';

function minId(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return rsCmp(a, b) <= 0 ? a : b;
}

/** What the groups need: the lowest id any group needs, the lowest a live one needs, stale names. */
interface Needs {
  all: string | undefined;
  live: string | undefined;
  stale: string[];
}

function needs(r: ScriptRedis, keys: readonly string[], staleMs: number | undefined, dry: boolean, now: number): Needs {
  const [stream = '', seenKey = ''] = keys;
  const out: Needs = { all: undefined, live: undefined, stale: [] };
  const groups = r.pcall('XINFO', 'GROUPS', stream);
  for (const raw of groups.ok ? arr(groups.reply) : []) {
    const g = rsPairs(raw);
    const name = str(g.get('name'));
    const consumers = arr(r.call('XINFO', 'CONSUMERS', stream, name));
    out.all = minId(out.all, rsGroupNeed(r, stream, g, consumers, staleMs, true));
    const seen = dry ? rsFirstSeenRead(r, seenKey, name, now) : rsFirstSeen(r, seenKey, name, now);
    if (rsGroupLive(g, consumers, seen, now, staleMs)) {
      out.live = minId(out.live, rsGroupNeed(r, stream, g, consumers, staleMs, false));
    } else out.stale.push(name);
  }
  return out;
}

function addCounts(a: number, b: number): number {
  if (a >= 0 && b >= 0) return a + b;
  return -((a >= 0 ? a : -a - 1) + (b >= 0 ? b : -b - 1) + 1);
}

/** The dry run: the same steps, counting instead of trimming. */
function dryRun(
  r: ScriptRedis,
  stream: string,
  cutoff: string | undefined,
  cap: number | undefined,
  n: Needs,
  counter: RangeCounter,
): number[] {
  const len = num(r.call('XLEN', stream));
  let left: number | undefined = len;
  let floor: string | undefined;
  const take = (hi: string | undefined): number => {
    const c = counter.between(stream, floor, hi, len);
    if (hi !== undefined && (floor === undefined || rsCmp(hi, floor) > 0)) floor = hi;
    left = c >= 0 && left !== undefined ? left - c : undefined;
    return c;
  };
  let [read, stale, capped] = [0, 0, 0];
  if (cutoff !== undefined) {
    const first = minId(cutoff, n.all);
    read = take(first);
    const second = minId(cutoff, n.live);
    if (second !== first) stale = take(second);
  }
  if (cap !== undefined && (left === undefined || left > cap)) {
    if (n.all !== undefined) read = addCounts(read, take(n.all));
    if (left === undefined) capped = -1;
    else if (left > cap) capped = left - cap;
  }
  return [read, stale, capped];
}

function realRun(
  r: ScriptRedis,
  stream: string,
  cutoff: string | undefined,
  cap: number | undefined,
  n: Needs,
): number[] {
  let [read, stale, capped] = [0, 0, 0];
  if (cutoff !== undefined) {
    const first = minId(cutoff, n.all) ?? '';
    read += num(r.call('XTRIM', stream, 'MINID', first));
    const second = minId(cutoff, n.live);
    if (second !== first) stale += num(r.call('XTRIM', stream, 'MINID', second ?? ''));
  }
  if (cap !== undefined && num(r.call('XLEN', stream)) > cap) {
    if (n.all !== undefined) read += num(r.call('XTRIM', stream, 'MINID', n.all));
    if (num(r.call('XLEN', stream)) > cap) capped = num(r.call('XTRIM', stream, 'MAXLEN', cap));
  }
  return [read, stale, capped];
}

export const retention: Twin = {
  mirrors: 'retention-3.lua',
  sha1: 'd35231ba8e1d29d1325d3347b447bec98d96bcb2',
  run(r, keys, argv) {
    const [stream = '', , dlq = ''] = keys;
    const A = argvOf(argv);
    const retentionMs = toNumber(A(1));
    const cap = toNumber(A(2));
    const dry = A(5) === '1';
    const counter = new RangeCounter(r, toNumber(A(6) ?? '') ?? 5000);
    const now = rsNowMs(r);
    let deadDropped = 0;
    if (A(4) !== '' && num(r.call('EXISTS', dlq)) === 1) {
      const deadCutoff = `${rsInt(Math.max(0, now - num(A(4))))}-0`;
      if (dry) deadDropped = counter.between(dlq, undefined, deadCutoff, num(r.call('XLEN', dlq)));
      else deadDropped = num(r.call('XTRIM', dlq, 'MINID', deadCutoff));
    }
    if (num(r.call('EXISTS', stream)) === 0) return [0, 0, 0, [], deadDropped];
    const n = needs(r, keys, toNumber(A(3)), dry, now);
    const cutoff = retentionMs === undefined ? undefined : `${rsInt(Math.max(0, now - retentionMs))}-0`;
    const counts = dry ? dryRun(r, stream, cutoff, cap, n, counter) : realRun(r, stream, cutoff, cap, n);
    return [...counts, n.stale, deadDropped];
  },
};

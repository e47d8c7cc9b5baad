/**
 * Twin of src/scripts/_prelude.lua: the shared helpers every script is prepended with, function
 * for function, with the same reads and writes. Ids are compared and incremented as decimal
 * strings, exactly as the Lua does.
 */
import type { Reply } from '../reply.js';
import { arr, num, str, type ScriptRedis } from './lua.js';

/** The file this mirrors, and its SHA1 when last checked (see the twins' test). */
export const PRELUDE = { mirrors: '_prelude.lua', sha1: '2e8c22318c7654f17854d3021b92753c220ed9be' } as const;

/** rs_split: `<ms>-<seq>` into its parts ('0' for a missing sequence). */
export function rsSplit(id: string): [string, string] {
  const dash = id.indexOf('-');
  if (dash === -1) return [id, '0'];
  return [id.slice(0, dash), id.slice(dash + 1)];
}

function cmpNum(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** rs_cmp: -1, 0 or 1 as id `a` is below, equal to or above id `b`. */
export function rsCmp(a: string, b: string): number {
  const [am, as] = rsSplit(a);
  const [bm, bs] = rsSplit(b);
  const c = cmpNum(am, bm);
  return c !== 0 ? c : cmpNum(as, bs);
}

function increment(digits: string): string {
  let out = '';
  for (let i = digits.length - 1; i >= 0; i--) {
    const d = digits.charCodeAt(i) - 48;
    if (d < 9) return digits.slice(0, i) + String.fromCharCode(d + 49) + out;
    out = `0${out}`;
  }
  return `1${out}`;
}

/** rs_successor: the smallest id above `id`. */
export function rsSuccessor(id: string): string {
  const [ms, seq] = rsSplit(id);
  if (seq === '18446744073709551615') return `${increment(ms)}-0`;
  return `${ms}-${increment(seq)}`;
}

/** rs_now_ms: the server's time in ms (TIME). */
export function rsNowMs(r: ScriptRedis): number {
  const t = arr(r.call('TIME'));
  return num(t[0]) * 1000 + Math.floor(num(t[1]) / 1000);
}

/** rs_int: a whole number as a decimal string (string.format('%d')). */
export function rsInt(n: number): string {
  return Math.trunc(n).toFixed(0);
}

/** A flat [k1, v1, ...] reply as a table. */
export type Pairs = ReadonlyMap<string, Reply>;

/** rs_pairs. */
export function rsPairs(flat: Reply | undefined): Pairs {
  const m = new Map<string, Reply>();
  const list = arr(flat);
  for (let i = 0; i < list.length; i += 2) m.set(str(list[i]), list[i + 1] ?? null);
  return m;
}

/** rs_first_seen: the group's first-seen time, recording `now` when none is known. */
export function rsFirstSeen(r: ScriptRedis, seenKey: string, name: string, now: number): number {
  const at = r.call('HGET', seenKey, name);
  if (at !== null) return num(at);
  r.call('HSET', seenKey, name, rsInt(now));
  return now;
}

/** rs_first_seen_read: the same without writing. */
export function rsFirstSeenRead(r: ScriptRedis, seenKey: string, name: string, now: number): number {
  const at = r.call('HGET', seenKey, name);
  return at !== null ? num(at) : now;
}

/** rs_group_live: whether a group (its XINFO GROUPS record) is live. */
export function rsGroupLive(
  g: Pairs,
  consumers: Reply[],
  firstSeen: number,
  now: number,
  staleMs: number | undefined,
): boolean {
  if (now - firstSeen < num(staleMs)) return true;
  if (consumers.length === 0) {
    const [ms] = rsSplit(str(g.get('last-delivered-id')));
    return now - num(ms) < num(staleMs);
  }
  for (const c of consumers) if (num(rsPairs(c).get('idle')) < num(staleMs)) return true;
  return false;
}

/** rs_group_need: the lowest id a group may still read. */
export function rsGroupNeed(
  r: ScriptRedis,
  stream: string,
  g: Pairs,
  consumers: Reply[],
  staleMs: number | undefined,
  allPending: boolean,
): string {
  let need = rsSuccessor(str(g.get('last-delivered-id')));
  if (num(g.get('pending')) === 0) return need;
  if (allPending) {
    const oldest = str(arr(r.call('XPENDING', stream, str(g.get('name'))))[1]);
    return rsCmp(oldest, need) < 0 ? oldest : need;
  }
  for (const raw of consumers) {
    const c = rsPairs(raw);
    if (num(c.get('pending')) > 0 && num(c.get('idle')) < num(staleMs)) {
      const p = arr(r.call('XPENDING', stream, str(g.get('name')), '-', '+', 1, str(c.get('name'))));
      const first = arr(p[0])[0];
      if (p.length > 0 && rsCmp(str(first), need) < 0) need = str(first);
    }
  }
  return need;
}

/** rs_raise_mark: raises the mark at `key` to `delivered` when that is higher. */
export function rsRaiseMark(r: ScriptRedis, key: string, delivered: string): void {
  if (delivered === '' || delivered === '0-0') return;
  const mark = r.call('GET', key);
  if (mark === null || rsCmp(delivered, str(mark)) > 0) r.call('SET', key, delivered);
}

/** rs_group: the XINFO GROUPS record of group `name`, or undefined. */
export function rsGroup(r: ScriptRedis, stream: string, name: string): Pairs | undefined {
  const groups = r.pcall('XINFO', 'GROUPS', stream);
  if (!groups.ok) return undefined;
  for (const g of arr(groups.reply)) {
    const m = rsPairs(g);
    if (m.get('name') === name) return m;
  }
  return undefined;
}

/** rs_mark_expired: whether the mark is older than the window (then it is dropped). */
export function rsMarkExpired(r: ScriptRedis, markKey: string, mark: string, windowMs: number | undefined): boolean {
  const [markMs] = rsSplit(mark);
  if (num(markMs) >= rsNowMs(r) - num(windowMs)) return false;
  r.call('DEL', markKey);
  return true;
}

/** rs_move_to_mark: moves `group` from `at` to `mark`; how many entries that skips (up to 10000). */
export function rsMoveToMark(r: ScriptRedis, stream: string, group: string, at: string, mark: string): number {
  r.call('XGROUP', 'SETID', stream, group, mark);
  return arr(r.call('XRANGE', stream, `(${at}`, mark, 'COUNT', 10000)).length;
}

/** rs_guard_before_read: { moved from, mark, skipped } or { '', '', 0 }. */
export function rsGuardBeforeRead(
  r: ScriptRedis,
  stream: string,
  markKey: string,
  group: string,
  windowMs: number | undefined,
): [string, string, number] {
  const mark = r.call('GET', markKey);
  if (mark === null) return ['', '', 0];
  const g = rsGroup(r, stream, group);
  if (g === undefined) return ['', '', 0];
  const at = str(g.get('last-delivered-id'));
  if (rsCmp(at, str(mark)) >= 0 || rsMarkExpired(r, markKey, str(mark), windowMs)) return ['', '', 0];
  return [at, str(mark), rsMoveToMark(r, stream, group, at, str(mark))];
}

/** rs_guard_after_read: { last-delivered-id or '', pending, replays waiting }. */
export function rsGuardAfterRead(
  r: ScriptRedis,
  stream: string,
  markKey: string,
  replayKey: string,
  group: string,
  delivered: string | undefined,
): [string, number, number] {
  const g = rsGroup(r, stream, group);
  if (g === undefined) return ['', 0, 0];
  const at = delivered ?? str(g.get('last-delivered-id'));
  rsRaiseMark(r, markKey, at);
  return [at, num(g.get('pending')), num(r.call('EXISTS', replayKey))];
}

/** What guarded-read-3.lua returns: moved from, moved to, skipped, delivered, pending, replays, entries. */
export type GuardedReadReply = [string, string, number, string, number, number, Reply[]];

/** The entries of an XREADGROUP reply inside a script (`reply[1][2]`, or none for nil). */
export function readEntries(reply: Reply): Reply[] {
  const first = arr(reply)[0];
  return first === undefined ? [] : arr(arr(first)[1]);
}

/** The id of an entry reply `[id, fields]`. */
export function entryId(entry: Reply | undefined): string {
  return str(arr(entry)[0]);
}

/** rs_guarded_read_noack: the read with NOACK, the guard checking after it. */
export function rsGuardedReadNoack(
  r: ScriptRedis,
  keys: { stream: string; mark: string; replay: string },
  group: string,
  windowMs: number | undefined,
  consumer: string,
  count: string,
): GuardedReadReply {
  let mark = r.call('GET', keys.mark);
  const reply = r.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'NOACK', 'STREAMS', keys.stream, '>');
  let entries = readEntries(reply);
  const replays = num(r.call('EXISTS', keys.replay));
  if (entries.length === 0) {
    const g = rsGroup(r, keys.stream, group);
    return ['', '', 0, g === undefined ? '' : str(g.get('last-delivered-id')), 0, replays, entries];
  }
  let delivered = entryId(entries[entries.length - 1]);
  let from = '';
  let skipped = 0;
  if (mark !== null && rsCmp(entryId(entries[0]), str(mark)) <= 0) {
    if (rsMarkExpired(r, keys.mark, str(mark), windowMs)) mark = null;
    else {
      const m = str(mark);
      from = entryId(entries[0]);
      const kept = entries.filter((e) => rsCmp(entryId(e), m) > 0);
      skipped += entries.length - kept.length;
      entries = kept;
      if (rsCmp(delivered, m) < 0) {
        skipped += rsMoveToMark(r, keys.stream, group, delivered, m);
        delivered = m;
      }
    }
  }
  if (mark === null || rsCmp(delivered, str(mark)) > 0) r.call('SET', keys.mark, delivered);
  return [from, from === '' ? '' : str(mark), skipped, delivered, 0, replays, entries];
}

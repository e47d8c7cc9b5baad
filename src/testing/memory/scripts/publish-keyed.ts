/**
 * Twin of src/scripts/publish-keyed-3.lua: appends a batch, each keyed entry only if its key was not
 * remembered within the window, with the two generations of remembered keys.
 */
import type { Reply } from '../reply.js';
import { arr, num, str } from './lua.js';
import { rsInt } from './prelude.js';
import type { ScriptRedis } from './lua.js';
import { argvOf, type Twin } from './twin.js';

interface Generation {
  /** found[k]: the id the k-th key appended within the window, or null. */
  found: Array<string | null>;
  hasPrevious: boolean;
  rotated: boolean;
  described: boolean;
  start: number;
  kept: number;
}

function msOf(id: string): number {
  return num(/^\d+/.exec(id)?.[0]);
}

/** The lookups and the rotation of the generations (the script's first half). */
function generations(r: ScriptRedis, keys: readonly string[], argv: readonly string[], now: number): Generation {
  const A = argvOf(argv);
  const window = num(A(1));
  const keyed = Math.abs(num(A(4)));
  const found = arr(r.call('HMGET', keys[1] ?? '', '', ...argv.slice(4, 4 + keyed))).map((v) =>
    v === null ? null : str(v),
  );
  const g: Generation = { found, hasPrevious: false, rotated: false, described: false, start: now, kept: 0 };
  const m = /^(\d+):(\d+)$/.exec(found[0] ?? '');
  if (m !== null) {
    g.start = num(m[1]);
    g.kept = num(m[2]);
    g.described = window <= g.kept;
    if (g.start > now) [g.start, g.described] = [now, false];
  }
  if (window > g.kept) g.kept = window;
  g.hasPrevious = num(r.call('EXISTS', keys[2] ?? '')) === 1;
  if (now - g.start >= g.kept) {
    if (g.hasPrevious) r.call('UNLINK', keys[2] ?? '');
    r.call('RENAME', keys[1] ?? '', keys[2] ?? '');
    r.call('PEXPIRE', keys[2] ?? '', g.kept);
    Object.assign(g, { hasPrevious: true, rotated: true, described: false, start: now });
  }
  return g;
}

/** Forgets records older than the window; looks the missing keys up in the previous generation. */
function lookBack(
  r: ScriptRedis,
  keys: readonly string[],
  argv: readonly string[],
  g: Generation,
  oldest: number,
): void {
  const keyed = Math.abs(num(argv[3]));
  const missing: string[] = [];
  const missed: number[] = [];
  for (let k = 1; k <= keyed; k++) {
    const id = g.found[k] ?? null;
    if (id !== null && msOf(id) < oldest) g.found[k] = null;
    if ((g.found[k] ?? null) === null && g.hasPrevious && !g.rotated) {
      missing.push(argv[3 + k] ?? '');
      missed.push(k);
    }
  }
  if (missing.length === 0) return;
  const old = arr(r.call('HMGET', keys[2] ?? '', ...missing));
  missed.forEach((k, i) => {
    const id = old[i];
    if (id !== null && id !== undefined && msOf(str(id)) >= oldest) g.found[k] = str(id);
  });
}

export const publishKeyed: Twin = {
  mirrors: 'publish-keyed-3.lua',
  sha1: '66c3da66b1d5ab7e77e01342bda93c86b66ef531',
  run(r, keys, argv) {
    const t = arr(r.call('TIME'));
    const now = num(t[0]) * 1000 + Math.floor(num(t[1]) / 1000);
    const g = generations(r, keys, argv, now);
    lookBack(r, keys, argv, g, now - num(argv[0]));
    const { ids, repeated, records } = append(r, keys[0] ?? '', argv, g);
    if (!g.described) records.push('', `${rsInt(g.start)}:${rsInt(g.kept)}`);
    if (records.length > 0) r.call('HSET', keys[1] ?? '', ...records);
    r.call('PEXPIRE', keys[1] ?? '', g.kept);
    return [ids, repeated];
  },
};

/** The appends (the script's second half): ids, positions repeated, and the records to write. */
function append(
  r: ScriptRedis,
  stream: string,
  argv: readonly string[],
  g: Generation,
): { ids: Reply[]; repeated: Reply[]; records: string[] } {
  const A = argvOf(argv);
  const keyField = A(2) ?? '';
  const count = num(A(3));
  const keyed = Math.abs(num(A(4)));
  const shared = num(A(4)) < 0;
  const fresh = new Map<string, string>();
  const out = { ids: [] as Reply[], repeated: [] as Reply[], records: [] as string[] };
  let at = 5 + keyed;
  let k = 0;
  for (let e = 1; e <= count; e++) {
    let n = num(A(at));
    let key: string | undefined;
    let firstId: string | null | undefined;
    if (n < 0) {
      n = -n;
      k++;
      key = A(4 + k) ?? '';
      firstId = g.found[k] ?? (shared ? fresh.get(key) : undefined);
    }
    if (firstId !== null && firstId !== undefined) {
      out.ids.push(firstId);
      out.repeated.push(e);
    } else {
      const fields = argv.slice(at, at + n * 2);
      const id = str(r.call('XADD', stream, '*', ...fields, ...(key === undefined ? [] : [keyField, key])));
      out.ids.push(id);
      if (key !== undefined) {
        if (shared) fresh.set(key, id);
        out.records.push(key, id);
      }
    }
    at += 1 + n * 2;
  }
  return out;
}

/** Twin of src/scripts/reclaim-2.lua: one page of the sweep over a group's pending list. */
import type { Reply } from '../reply.js';
import { arr, cursor, num, str, toNumber } from './lua.js';
import { rsNowMs } from './prelude.js';
import { argvOf, type Twin } from './twin.js';

/** { deliveries, idle, owner } of a due entry, by id. */
type Meta = Map<string, [number, number, string]>;

/** What XCLAIM gave back, as claim rows, and the ids it no longer found (cleared from the PEL). */
function settle(
  r: Parameters<Twin['run']>[0],
  keys: readonly string[],
  group: string,
  due: string[],
  claimed: Reply[],
  meta: Meta,
): { entries: Reply[]; deleted: string[] } {
  const entries: Reply[] = [];
  const seen = new Set<string>();
  for (const e of claimed) {
    const [id, fields] = arr(e);
    if (fields === undefined || fields === null) continue;
    const m = meta.get(str(id)) as [number, number, string];
    seen.add(str(id));
    entries.push([str(id), fields, m[0], m[1], m[2]]);
  }
  const deleted: string[] = [];
  for (const id of due) {
    if (seen.has(id)) continue;
    r.call('XACK', keys[0] ?? '', group, id);
    r.call('HDEL', keys[1] ?? '', id);
    deleted.push(id);
  }
  return { entries, deleted };
}

export const reclaim: Twin = {
  mirrors: 'reclaim-2.lua',
  sha1: '146e164b15b4066c8ba4f97394d7d7565a6ba140',
  run(r, keys, argv) {
    const A = argvOf(argv);
    const [group, me] = [A(1) ?? '', A(2) ?? ''];
    const claimIdle = toNumber(A(3));
    const count = toNumber(A(6));
    const start = A(5) === '-' ? '-' : `(${A(5) ?? ''}`;
    const now = rsNowMs(r);
    const busy = new Set(argv.slice(6));
    const pending = arr(r.call('XPENDING', keys[0] ?? '', group, 'IDLE', num(A(4)), start, '+', num(count)));
    const due: string[] = [];
    const meta: Meta = new Map();
    for (const p of pending) {
      const [id, owner, idle, deliveries] = arr(p);
      const record = r.call('HGET', keys[1] ?? '', str(id));
      let ready: boolean;
      if (busy.has(str(id))) ready = false;
      else if (record !== null) {
        const retryAt = toNumber(/ (\d+)$/.exec(str(record))?.[1]) ?? 0;
        ready = now >= retryAt && (owner === me || num(idle) >= num(claimIdle));
      } else ready = num(idle) >= num(claimIdle);
      if (ready) {
        due.push(str(id));
        meta.set(str(id), [num(deliveries), num(idle), str(owner)]);
      }
    }
    const next = cursor(pending, count);
    if (due.length === 0) return [next, [], []];
    const claimed = arr(r.call('XCLAIM', keys[0] ?? '', group, me, 0, ...due));
    const { entries, deleted } = settle(r, keys, group, due, claimed, meta);
    return [next, entries, deleted];
  },
};

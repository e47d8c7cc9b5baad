/** Twin of src/scripts/recover-own-2.lua: takes back this consumer's entries lost in transit. */
import type { Reply } from '../reply.js';
import { arr, cursor, num, str, toNumber } from './lua.js';
import { argvOf, type Twin } from './twin.js';

export const recoverOwn: Twin = {
  mirrors: 'recover-own-2.lua',
  sha1: '9611d4befe6c13364b2d53c287bd2bc703a2e2af',
  run(r, keys, argv) {
    const [stream = '', failures = ''] = keys;
    const A = argvOf(argv);
    const [group, me] = [A(1) ?? '', A(2) ?? ''];
    const count = toNumber(A(4));
    const start = A(3) === '-' ? '-' : `(${A(3) ?? ''}`;
    const busy = new Set(argv.slice(4));
    const pending = arr(r.call('XPENDING', stream, group, start, '+', num(count), me));
    const due: string[] = [];
    const meta = new Map<string, [number, number, string]>();
    for (const p of pending) {
      const [id, , idle, deliveries] = arr(p);
      if (!busy.has(str(id)) && num(r.call('HEXISTS', failures, str(id))) === 0) {
        due.push(str(id));
        meta.set(str(id), [num(deliveries), num(idle), me]);
      }
    }
    const next = cursor(pending, count);
    const entries: Reply[] = [];
    const deleted: string[] = [];
    if (due.length > 0) {
      r.call('XCLAIM', stream, group, me, 0, ...due, 'JUSTID');
      for (const id of due) {
        const found = arr(r.call('XRANGE', stream, id, id));
        const fields = arr(found[0])[1];
        const m = meta.get(id) as [number, number, string];
        if (found.length > 0 && fields !== undefined && fields !== null) entries.push([id, fields, ...m]);
        else {
          r.call('XACK', stream, group, id);
          deleted.push(id);
        }
      }
    }
    return [next, entries, deleted];
  },
};

/** Twin of src/scripts/retry-orphans-2.lua: drops failure records whose entry is no longer pending. */
import { arr, num, str } from './lua.js';
import { rsGroup } from './prelude.js';
import { argvOf, keysOf, type Twin } from './twin.js';

export const retryOrphans: Twin = {
  mirrors: 'retry-orphans-2.lua',
  sha1: '3c225c564efd95dad3104753d3a45dba48d6fb00',
  run(r, keys, argv) {
    const K = keysOf(keys);
    const A = argvOf(argv);
    const group = A(1) ?? '';
    if (num(r.call('EXISTS', K(2))) === 0) return ['0', 0];
    if (rsGroup(r, K(1), group) === undefined) {
      const n = arr(r.call('HKEYS', K(2))).length;
      r.call('DEL', K(2));
      return ['0', n];
    }
    const page = arr(r.call('HSCAN', K(2), A(2) ?? '', 'COUNT', num(A(3))));
    const fields = arr(page[1]);
    let removed = 0;
    for (let i = 0; i < fields.length; i += 2) {
      const id = str(fields[i]);
      if (arr(r.call('XPENDING', K(1), group, id, id, 1)).length === 0) {
        r.call('HDEL', K(2), id);
        removed++;
      }
    }
    return [page[0] ?? null, removed];
  },
};

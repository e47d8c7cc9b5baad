/** Twin of src/scripts/lease-renew-1.lua: resets the idle time of this consumer's entries in flight. */
import { arr } from './lua.js';
import type { Twin } from './twin.js';

export const leaseRenew: Twin = {
  mirrors: 'lease-renew-1.lua',
  sha1: 'eaef504881e524c449666e66e10b675ec29e352e',
  run(r, keys, argv) {
    const stream = keys[0] ?? '';
    const [group = '', me = ''] = argv;
    const owned: string[] = [];
    const taken: string[] = [];
    for (const id of argv.slice(2)) {
      const p = arr(r.call('XPENDING', stream, group, id, id, 1));
      if (p.length > 0) (arr(p[0])[1] === me ? owned : taken).push(id);
    }
    for (let from = 0; from < owned.length; from += 1000) {
      r.call('XCLAIM', stream, group, me, 0, ...owned.slice(from, from + 1000), 'JUSTID');
    }
    return [owned, taken];
  },
};

/** Twin of src/scripts/consumer-hygiene-1.lua: deletes idle consumers that own nothing. */
import { arr, num, str } from './lua.js';
import { rsPairs } from './prelude.js';
import type { Twin } from './twin.js';

export const consumerHygiene: Twin = {
  mirrors: 'consumer-hygiene-1.lua',
  sha1: 'a21f66d38ffbba51f04cf6bb0c89c094ed9efc86',
  run(r, keys, argv) {
    const stream = keys[0] ?? '';
    const group = argv[0] ?? '';
    const consumers = r.pcall('XINFO', 'CONSUMERS', stream, group);
    if (!consumers.ok) return [];
    const removed: string[] = [];
    for (const raw of arr(consumers.reply)) {
      const c = rsPairs(raw);
      const name = str(c.get('name'));
      if (name !== argv[2] && num(c.get('pending')) === 0 && num(c.get('idle')) > num(argv[1])) {
        r.call('XGROUP', 'DELCONSUMER', stream, group, name);
        removed.push(name);
      }
    }
    return removed;
  },
};

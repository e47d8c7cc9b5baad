/** Twin of src/scripts/publish-1.lua: appends a batch of entries, all or none. */
import { xaddAuto } from '../commands/streams.js';
import type { Reply } from '../reply.js';
import { num } from './lua.js';
import type { Twin } from './twin.js';

export const publish: Twin = {
  mirrors: 'publish-1.lua',
  sha1: '4f7e7982ba1cbbdb225eea07db2a9b0bd8f3d0b6',
  run(r, keys, argv) {
    const stream = keys[0] ?? '';
    const out: Reply[] = [];
    let at = 1;
    const count = num(argv[0]);
    for (let e = 0; e < count; e++) {
      const pairs = num(argv[at]);
      // redis.call('XADD', KEYS[1], '*', <the entry's fields>): the field list sliced once, kept as the entry's.
      out.push(xaddAuto(r.store, stream, argv.slice(at + 1, at + 1 + pairs * 2)));
      at += pairs * 2 + 1;
    }
    return out;
  },
};

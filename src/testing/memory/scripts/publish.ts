/** Twin of src/scripts/publish-1.lua: appends a batch of entries, all or none. */
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
      const fields = argv.slice(at + 1, at + 1 + pairs * 2);
      out.push(r.call('XADD', stream, '*', ...fields));
      at += pairs * 2 + 1;
    }
    return out;
  },
};

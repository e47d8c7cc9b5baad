/** Twin of src/scripts/create-group-2.lua: XGROUP CREATE ... MKSTREAM unless it exists, and its first-seen time. */
import { ReplyError } from '../reply.js';
import { rsFirstSeen, rsInt, rsNowMs } from './prelude.js';
import type { Twin } from './twin.js';

export const createGroup: Twin = {
  mirrors: 'create-group-2.lua',
  sha1: '36063b38bdd5b742d37cc5882123a4c8d459df8d',
  run(r, keys, argv) {
    const [stream = '', seen = ''] = keys;
    const group = argv[0] ?? '';
    const created = r.pcall('XGROUP', 'CREATE', stream, group, argv[1] ?? '', 'MKSTREAM');
    const now = rsNowMs(r);
    if (created.ok) {
      r.call('HSET', seen, group, rsInt(now));
      return 'created';
    }
    if (!created.err.startsWith('BUSYGROUP')) throw new ReplyError(created.err);
    rsFirstSeen(r, seen, group, now);
    return 'exists';
  },
};

/** Twin of src/scripts/ack-unless-retrying-2.lua: XACK of the ids that have no failure record. */
import { num } from './lua.js';
import type { Twin } from './twin.js';

export const ackUnlessRetrying: Twin = {
  mirrors: 'ack-unless-retrying-2.lua',
  sha1: '0e33634e2726c8c5cc905d9d549bab39098f94c6',
  run(r, keys, argv) {
    const [stream = '', failures = ''] = keys;
    const ids = argv.slice(1).filter((id) => num(r.call('HEXISTS', failures, id)) === 0);
    if (ids.length === 0) return 0;
    return r.call('XACK', stream, argv[0] ?? '', ...ids);
  },
};

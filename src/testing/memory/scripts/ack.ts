/** Twin of src/scripts/ack-2.lua: XACK with its bookkeeping (failure records, replay entries). */
import { num } from './lua.js';
import { rsGroup } from './prelude.js';
import type { Twin } from './twin.js';

export const ack: Twin = {
  mirrors: 'ack-2.lua',
  sha1: 'bccbc8ba70a5053805540fc94ccca9c38f471d05',
  run(r, keys, argv) {
    const [stream = '', failures = ''] = keys;
    const group = argv[0] ?? '';
    const remove = argv[1] === '1';
    let acked = 0;
    for (let from = 2; from < argv.length; from += 1000) {
      const ids = argv.slice(from, Math.min(from + 1000, argv.length));
      r.call('HDEL', failures, ...ids);
      acked += num(r.call('XACK', stream, group, ...ids));
      if (remove) r.call('XDEL', stream, ...ids);
    }
    if (remove && num(r.call('XLEN', stream)) === 0) {
      const g = rsGroup(r, stream, group);
      if (g === undefined || num(g.get('pending')) === 0) r.call('DEL', stream);
    }
    return acked;
  },
};

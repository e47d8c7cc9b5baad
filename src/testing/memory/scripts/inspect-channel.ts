/** Twin of src/scripts/inspect-channel-3.lua (read-only): a channel, its dead letters, groups and consumers. */
import type { Reply } from '../reply.js';
import { lagText } from './group-stats.js';
import { arr, num, str, toNumber } from './lua.js';
import { entryId, rsFirstSeenRead, rsGroupLive, rsNowMs, rsPairs } from './prelude.js';
import type { Twin } from './twin.js';

export const inspectChannel: Twin = {
  mirrors: 'inspect-channel-3.lua',
  sha1: 'db60d20de20d6d22190834d6e5715005ed40e891',
  run(r, keys, argv) {
    const [stream = '', dlq = '', seen = ''] = keys;
    const now = rsNowMs(r);
    const staleMs = toNumber(argv[0]);
    if (num(r.call('EXISTS', stream)) === 0) return [0, '', '', r.call('XLEN', dlq), now, []];
    const length = r.call('XLEN', stream);
    const first = arr(r.call('XRANGE', stream, '-', '+', 'COUNT', 1));
    const last = arr(r.call('XREVRANGE', stream, '+', '-', 'COUNT', 1));
    const out: Reply[] = [];
    for (const raw of arr(r.call('XINFO', 'GROUPS', stream))) {
      const g = rsPairs(raw);
      const name = str(g.get('name'));
      const consumers = arr(r.call('XINFO', 'CONSUMERS', stream, name));
      const live = rsGroupLive(g, consumers, rsFirstSeenRead(r, seen, name, now), now, staleMs);
      const pending = num(g.get('pending'));
      const oldest = pending > 0 ? str(arr(r.call('XPENDING', stream, name))[1]) : '';
      const list = consumers.map((c) => {
        const m = rsPairs(c);
        return [str(m.get('name')), num(m.get('pending')), num(m.get('idle'))];
      });
      out.push([name, lagText(g), pending, str(g.get('last-delivered-id')), oldest, live ? 1 : 0, list]);
    }
    const firstId = first[0] === undefined ? '' : entryId(first[0]);
    const lastId = last[0] === undefined ? '' : entryId(last[0]);
    return [length, firstId, lastId, r.call('XLEN', dlq), now, out];
  },
};

/** Twin of src/scripts/group-stats-3.lua (read-only): one group's figures and the channel's stale groups. */
import { arr, num, str, toNumber } from './lua.js';
import { rsFirstSeenRead, rsGroupLive, rsNowMs, rsPairs, type Pairs } from './prelude.js';
import type { Twin } from './twin.js';

/** tostring of a lag as Lua gives it ('' when Redis could not tell: nil). */
export function lagText(g: Pairs): string {
  const lag = g.get('lag');
  return lag === null || lag === undefined ? '' : String(lag);
}

export const groupStats: Twin = {
  mirrors: 'group-stats-3.lua',
  sha1: '6e366ceb4f62f5d136e2d854fbcfcb36c80cfa41',
  run(r, keys, argv) {
    const [stream = '', dlq = '', seen = ''] = keys;
    const name = argv[0] ?? '';
    const now = rsNowMs(r);
    const staleMs = toNumber(argv[1]);
    const dead = r.call('XLEN', dlq);
    const groups = r.pcall('XINFO', 'GROUPS', stream);
    let mine: Pairs | undefined;
    const stale: string[] = [];
    for (const raw of groups.ok ? arr(groups.reply) : []) {
      const g = rsPairs(raw);
      const gName = str(g.get('name'));
      if (gName === name) mine = g;
      const consumers = arr(r.call('XINFO', 'CONSUMERS', stream, gName));
      const firstSeen = rsFirstSeenRead(r, seen, gName, now);
      if (!rsGroupLive(g, consumers, firstSeen, now, staleMs)) stale.push(gName);
    }
    if (mine === undefined) return [0, '', 0, '', 0, dead, now, stale];
    const pending = num(mine.get('pending'));
    const oldest = pending > 0 ? str(arr(r.call('XPENDING', stream, name))[1]) : '';
    return [1, lagText(mine), pending, oldest, num(mine.get('consumers')), dead, now, stale];
  },
};

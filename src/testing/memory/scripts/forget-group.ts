/**
 * Twins of the scripts that clean up after a destroyed group: src/scripts/gone-groups-2.lua (which
 * recorded groups no longer exist) and forget-group-4.lua (its failure records, its mark once
 * expired, then its first-seen record).
 */
import { arr, num, str } from './lua.js';
import { rsGroup, rsMarkExpired, rsPairs } from './prelude.js';
import { argvOf, keysOf, type Twin } from './twin.js';

export const goneGroups: Twin = {
  mirrors: 'gone-groups-2.lua',
  sha1: '12090cf22d908c7154e5bbc47fa2b6b44508ec22',
  run(r, keys) {
    const K = keysOf(keys);
    const present = new Set<string>();
    const groups = r.pcall('XINFO', 'GROUPS', K(1));
    if (groups.ok) for (const raw of arr(groups.reply)) present.add(str(rsPairs(raw).get('name')));
    return arr(r.call('HKEYS', K(2))).filter((name) => !present.has(str(name)));
  },
};

export const forgetGroup: Twin = {
  mirrors: 'forget-group-4.lua',
  sha1: '2aa406cc3ae63585b0cc860b71fbd0529aa7b5c0',
  run(r, keys, argv) {
    const K = keysOf(keys);
    const A = argvOf(argv);
    const group = A(1) ?? '';
    if (rsGroup(r, K(1), group) !== undefined) return [0, 0];
    const removed = arr(r.call('HKEYS', K(3))).length;
    if (removed > 0) r.call('DEL', K(3));
    const mark = r.call('GET', K(4));
    if (mark !== null && !rsMarkExpired(r, K(4), str(mark), num(A(2)))) return [removed, 0];
    r.call('HDEL', K(2), group);
    return [removed, 1];
  },
};

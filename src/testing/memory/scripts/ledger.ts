/** Twins of dtpyfw's ledger scripts: src/scripts/ledger-reserve-1.lua, ledger-record-1.lua and ledger-trim-1.lua. */
import { num } from './lua.js';
import { rsInt, rsNowMs } from './prelude.js';
import type { Twin } from './twin.js';

export const ledgerReserve: Twin = {
  mirrors: 'ledger-reserve-1.lua',
  sha1: '5068cebab1fc24dbd1bcdc4e6041c40b64edbc6f',
  run(r, keys, argv) {
    const now = rsInt(rsNowMs(r));
    return argv.map((id) => r.call('ZADD', keys[0] ?? '', 'NX', now, id));
  },
};

export const ledgerRecord: Twin = {
  mirrors: 'ledger-record-1.lua',
  sha1: '542c2cdaaf811207382877f0ac13325e0f046386',
  run(r, keys, argv) {
    const now = rsInt(rsNowMs(r));
    let added = 0;
    for (const id of argv) added += num(r.call('ZADD', keys[0] ?? '', 'GT', now, id));
    return added;
  },
};

export const ledgerTrim: Twin = {
  mirrors: 'ledger-trim-1.lua',
  sha1: '5f37be9a4f65bc1f62f6f517dbd4423527967ecc',
  run(r, keys, argv) {
    const ledger = keys[0] ?? '';
    const cutoff = rsNowMs(r) - num(argv[0]);
    const old = num(r.call('ZCOUNT', ledger, '-inf', `(${rsInt(cutoff)}`));
    const removing = Math.min(old, num(argv[1]));
    if (removing > 0) r.call('ZREMRANGEBYRANK', ledger, 0, removing - 1);
    return [removing, old - removing, cutoff];
  },
};

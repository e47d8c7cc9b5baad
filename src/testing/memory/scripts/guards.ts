/**
 * Twins of the dedup guard's scripts: src/scripts/guard-before-read-2.lua,
 * guard-after-read-3.lua and guarded-read-3.lua (each a thin call into the prelude).
 */
import { toNumber } from './lua.js';
import { entryId, readEntries, rsGuardAfterRead, rsGuardBeforeRead, rsGuardedReadNoack } from './prelude.js';
import type { Twin } from './twin.js';

export const guardBeforeRead: Twin = {
  mirrors: 'guard-before-read-2.lua',
  sha1: '73ca6868e4ce16d812b383d17af534c7990a0ce2',
  run: (r, keys, argv) => rsGuardBeforeRead(r, keys[0] ?? '', keys[1] ?? '', argv[0] ?? '', toNumber(argv[1])),
};

export const guardAfterRead: Twin = {
  mirrors: 'guard-after-read-3.lua',
  sha1: '702b99b9d7fc370d6eac40f3842af16107aee6ac',
  run: (r, keys, argv) => rsGuardAfterRead(r, keys[0] ?? '', keys[1] ?? '', keys[2] ?? '', argv[0] ?? '', undefined),
};

export const guardedRead: Twin = {
  mirrors: 'guarded-read-3.lua',
  sha1: '09809e5de8ce6f443de588ba38de6765a3897b14',
  run(r, keys, argv) {
    const [stream = '', mark = '', replay = ''] = keys;
    const [group = '', window = '', consumer = '', count = ''] = argv;
    if (argv[4] === '1') {
      return rsGuardedReadNoack(r, { stream, mark, replay }, group, toNumber(window), consumer, count);
    }
    const moved = rsGuardBeforeRead(r, stream, mark, group, toNumber(window));
    const reply = r.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>');
    const entries = readEntries(reply);
    const last = entries[entries.length - 1];
    const delivered = last === undefined ? undefined : entryId(last);
    const after = rsGuardAfterRead(r, stream, mark, replay, group, delivered);
    return [moved[0], moved[1], moved[2], after[0], after[1], after[2], entries];
  },
};

/** Twin of src/scripts/note-failure-2.lua: records a failure and its retry time. */
import { arr, num, str } from './lua.js';
import { rsInt, rsNowMs } from './prelude.js';
import { argvOf, type Twin } from './twin.js';

export const noteFailure: Twin = {
  mirrors: 'note-failure-2.lua',
  sha1: '484d33d99423a7af2938ea5fb726a8d39cf2fb3f',
  run(r, keys, argv) {
    const [stream = '', failures = ''] = keys;
    const A = argvOf(argv);
    const [group, me, id] = [A(1) ?? '', A(2) ?? '', A(3) ?? ''];
    const now = rsNowMs(r);
    const p = arr(r.call('XPENDING', stream, group, id, id, 1));
    if (p.length > 0 && arr(p[0])[1] !== me) return null;
    if (p.length === 0) {
      if (arr(r.call('XRANGE', stream, id, id)).length === 0) return null;
      r.call('XCLAIM', stream, group, me, 0, id, 'FORCE', 'JUSTID');
    }
    let first = now;
    const record = r.call('HGET', failures, id);
    if (record !== null) {
      const digits = /^\d+/.exec(str(record))?.[0];
      first = digits === undefined ? now : num(digits);
    }
    r.call('HSET', failures, id, `${rsInt(first)} ${rsInt(now + num(A(4)))}`);
    return first;
  },
};

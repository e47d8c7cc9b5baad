/** Twin of src/scripts/dead-letter-3.lua: moves one entry to the dead-letter stream, with the XACK. */
import { arr, num, str } from './lua.js';
import { rsInt, rsNowMs } from './prelude.js';
import { cjsonEncode } from './cjson.js';
import { argvOf, type Twin } from './twin.js';

export const deadLetter: Twin = {
  mirrors: 'dead-letter-3.lua',
  sha1: '7d24508346783daa349a4021a5c981eaf9a7f9cd',
  run(r, keys, argv) {
    const [source = '', dlq = '', failures = ''] = keys;
    const A = argvOf(argv);
    const group = A(1) ?? '';
    const id = A(2) ?? '';
    if (A(9) === '1') {
      const p = arr(r.call('XPENDING', source, group, id, id, 1));
      if (p.length === 0 || arr(p[0])[1] !== A(4)) return null;
    }
    const now = rsInt(rsNowMs(r));
    let first = now;
    const record = r.call('HGET', failures, id);
    if (record !== null) {
      first = /^\d+/.exec(str(record))?.[0] ?? now;
      r.call('HDEL', failures, id);
    }
    const found = arr(r.call('XRANGE', source, id, id));
    const fields = found.length > 0 ? arr(arr(found[0])[1]).map(str) : argv.slice(11);
    let original = id;
    if (A(11) === '1') {
      for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'rs-replay-of') original = fields[i + 1] ?? '';
    }
    const args = [dlq, '*', 'dlq-id', original, 'dlq-channel', A(3), 'dlq-group', group, 'dlq-consumer', A(4)];
    args.push('dlq-reason', A(5), 'dlq-error', A(6), 'dlq-stack', A(7), 'dlq-attempts', A(8));
    args.push('dlq-first-failure-ms', first, 'dlq-last-failure-ms', now);
    if (fields.length + args.length <= 7000) args.push(...fields);
    else args.push('dlq-fields-json', cjsonEncode(fields));
    const added = r.call('XADD', ...args.map((a) => a ?? ''));
    if (A(9) === '1') r.call('XACK', source, group, id);
    if (A(11) === '1') r.call('XDEL', source, id);
    let dropped = 0;
    const cap = A(10);
    if (cap !== '' && num(r.call('XLEN', dlq)) > num(cap)) dropped = num(r.call('XTRIM', dlq, 'MAXLEN', num(cap)));
    return [added, dropped];
  },
};

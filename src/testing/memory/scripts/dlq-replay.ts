/** Twin of src/scripts/dlq-replay-2.lua: moves a group's dead letters to its replay stream. */
import type { Reply } from '../reply.js';
import { cjsonDecode } from './cjson.js';
import { arr, str } from './lua.js';
import { rsPairs } from './prelude.js';
import type { Twin } from './twin.js';

export const dlqReplay: Twin = {
  mirrors: 'dlq-replay-2.lua',
  sha1: '06f684aedac6df96608f4dbd831607eda81899db',
  run(r, keys, argv) {
    const [dlq = '', replay = ''] = keys;
    const group = argv[0] ?? '';
    r.pcall('XGROUP', 'CREATE', replay, group, '0-0', 'MKSTREAM');
    const out: Reply[] = [];
    for (const id of argv.slice(1)) {
      const found = arr(r.call('XRANGE', dlq, id, id));
      const f = found.length > 0 ? arr(arr(found[0])[1]).map(str) : undefined;
      const meta = rsPairs(f ?? []);
      if (f === undefined || meta.get('dlq-group') !== group) {
        out.push(null);
        continue;
      }
      const json = meta.get('dlq-fields-json');
      const fields = json === undefined || json === null ? f : cjsonDecode(str(json));
      const args = [replay, '*'];
      let original: string | undefined;
      for (let j = 0; j + 1 < fields.length + 1; j += 2) {
        const k = fields[j] ?? '';
        if (k === 'rs-replay-of') original = fields[j + 1];
        if (!k.startsWith('dlq-') && k !== 'rs-replay-of' && k !== 'rs-replay-group') args.push(k, fields[j + 1] ?? '');
      }
      const of = meta.get('dlq-id');
      args.push('rs-replay-of', original ?? (of === undefined || of === null ? id : str(of)));
      out.push(r.call('XADD', ...args));
      r.call('XDEL', dlq, id);
    }
    return out;
  },
};

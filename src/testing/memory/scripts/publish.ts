/** Twin of src/scripts/publish-1.lua: appends a batch of entries, all or none. */
import type { Reply } from '../reply.js';
import { num } from './lua.js';
import type { Twin } from './twin.js';

/** `stream * <argv[from..to)>`: XADD's arguments, built in one array. */
function xaddArgs(stream: string, argv: readonly string[], from: number, to: number): string[] {
  if (!Number.isInteger(to) || to < from || to > argv.length) return [stream, '*', ...argv.slice(from, to)];
  const args = new Array<string>(2 + to - from);
  args[0] = stream;
  args[1] = '*';
  for (let i = from; i < to; i++) args[2 + i - from] = argv[i] as string;
  return args;
}

export const publish: Twin = {
  mirrors: 'publish-1.lua',
  sha1: '4f7e7982ba1cbbdb225eea07db2a9b0bd8f3d0b6',
  run(r, keys, argv) {
    const stream = keys[0] ?? '';
    const out: Reply[] = [];
    let at = 1;
    const count = num(argv[0]);
    for (let e = 0; e < count; e++) {
      const pairs = num(argv[at]);
      out.push(r.callArgs('XADD', xaddArgs(stream, argv, at + 1, at + 1 + pairs * 2)));
      at += pairs * 2 + 1;
    }
    return out;
  },
};

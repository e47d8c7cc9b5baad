/**
 * Differential tests of the publishing and ledger scripts (publish, publish-keyed, ledger-reserve,
 * ledger-record, ledger-trim): the library's Lua on a private redis-server 7.0 and the twins on the in-memory
 * store, with the same replies and the same resulting state.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import { Differential } from './differential.js';

const KEYED = ['s', 'idem', 'idem:prev'];

/** publish-keyed's ARGV: entries as [key or '', fields]. */
function keyedArgs(windowMs: number, entries: Array<[string, string[]]>): string[] {
  const keys = entries.filter(([k]) => k !== '').map(([k]) => k);
  const shared = new Set(keys).size !== keys.length;
  const args = [
    String(windowMs),
    'rs-idempotency-key',
    String(entries.length),
    String(shared ? -keys.length : keys.length),
  ];
  args.push(...keys);
  for (const [key, fields] of entries) args.push(String((key === '' ? 1 : -1) * (fields.length / 2)), ...fields);
  return args;
}

describe('script twins vs Lua: publishing and the ledger', () => {
  let d: Differential;
  before(async () => {
    d = await Differential.start();
  });
  after(() => d.stop());
  beforeEach(() => d.flush());

  it('publish: a batch of entries of two and of other numbers of pairs, in order', async () => {
    await d.sameScript(
      'publish',
      ['s'],
      ['3', '2', 'name', 'a', 'body', '1', '1', 'x', 'y', '3', 'a', '1', 'b', '2', 'c', '3'],
    );
    await d.sameScript('publish', ['s'], ['0']);
    await d.same(['SET', 'str', 'x']);
    await d.sameScript('publish', ['str'], ['1', '1', 'a', 'b']);
    await d.sameState(['s', 'str']);
  });

  it('publish-keyed: new keys appended, known ones repeated, keys shared within a batch', async () => {
    const e = (key: string, i: number): [string, string[]] => [key, ['name', 'n', 'body', String(i)]];
    await d.sameScript('publish-keyed', KEYED, keyedArgs(60_000, [e('a', 1), e('', 2), e('b', 3)]));
    await d.sameState(KEYED, 'first batch');
    await d.sameScript('publish-keyed', KEYED, keyedArgs(60_000, [e('a', 4), e('c', 5), e('c', 6), e('', 7)]));
    await d.sameScript('publish-keyed', KEYED, keyedArgs(30_000, [e('b', 8), ['d', ['x', 'y']]]));
    await d.sameScript('publish-keyed', KEYED, keyedArgs(120_000, [e('d', 9)]));
    await d.sameState(KEYED, 'after a longer window');
  });

  it('publish-keyed: a generation as old as its window rotates; the previous one is looked up, then dropped', async () => {
    await d.sync();
    const now = d.clock.now();
    const old = `${now - 50_000}-0`;
    const older = `${now - 200_000}-0`;
    await d.same(['XADD', 's', older, 'n', 'old']);
    await d.same(['XADD', 's', old, 'n', 'old']);
    await d.same(['HSET', 'idem', '', `${now - 70_000}:60000`, 'a', old, 'z', older]);
    await d.same(['HSET', 'idem:prev', 'b', old, 'y', older]);
    const e = (key: string): [string, string[]] => [key, ['name', 'n', 'body', key]];
    await d.sameScript('publish-keyed', KEYED, keyedArgs(60_000, [e('a'), e('b'), e('z'), e('y'), e('new')]));
    await d.sameState(KEYED, 'after the rotation');
    await d.same(['HSET', 'idem', '', `${now - 10_000}:60000`]);
    await d.same(['HSET', 'idem:prev', 'p', old, 'q', older]);
    await d.sameScript('publish-keyed', KEYED, keyedArgs(60_000, [e('p'), e('q'), e('a')]));
    await d.same(['HSET', 'idem', '', `${now + 100_000}:60000`]);
    await d.sameScript('publish-keyed', KEYED, keyedArgs(60_000, [e('r')]));
    await d.sameState(KEYED, 'after lookups in the previous generation');
  });

  it('ledger-record: ids recorded at the server time, ones already held keep the higher score', async () => {
    await d.sync();
    const now = d.clock.now();
    await d.same(['ZADD', 'ledger', String(now - 5000), '1-0', String(now + 600_000), '2-0']);
    await d.sameScript('ledger-record', ['ledger'], ['1-0', '2-0', '3-0', '3-0']);
    await d.sameState(['ledger']);
    await d.sameScript('ledger-record', ['ledger'], []);
    await d.same(['SET', 'str', 'x']);
    await d.sameScript('ledger-record', ['str'], ['1-0']);
  });

  it('ledger-reserve and ledger-trim: reserved once, trimmed by age in chunks', async () => {
    await d.sameScript('ledger-reserve', ['ledger'], ['1-0', '2-0', '1-0']);
    await d.sameScript('ledger-reserve', ['ledger'], ['2-0', '3-0']);
    await d.sync();
    const now = d.clock.now();
    for (let i = 0; i < 7; i++) await d.same(['ZADD', 'ledger', String(now - 100_000 + i), `old-${i}`]);
    await d.sameScript('ledger-trim', ['ledger'], ['50000', '3']);
    await d.sameState(['ledger']);
    await d.sameScript('ledger-trim', ['ledger'], ['50000', '10']);
    await d.sameScript('ledger-trim', ['ledger'], ['50000', '10']);
    await d.sameScript('ledger-trim', ['missing'], ['50000', '10']);
    await d.sameState(['ledger']);
  });
});

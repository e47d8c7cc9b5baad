/**
 * Differential tests of the dedup guard's scripts (guard-before-read, guard-after-read,
 * guarded-read, with and without NOACK): the library's Lua on a private redis-server 7.0 and the
 * twins on the in-memory store, with the same replies and the same resulting state.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import { Differential } from './differential.js';

const KEYS = ['s', 'mark', 'replay'];
const HOUR = 3_600_000;

describe('script twins vs Lua: the dedup guard', () => {
  let d: Differential;
  before(async () => {
    d = await Differential.start();
  });
  after(() => d.stop());
  beforeEach(() => d.flush());

  /** `n` entries whose ids lie `agoMs` before the server's time (ids base-0, base-1, ...). */
  const addAt = async (agoMs: number, n: number): Promise<number> => {
    await d.sync();
    const base = d.clock.now() - agoMs;
    for (let i = 0; i < n; i++) await d.same(['XADD', 's', `${base}-${i}`, 'n', String(i)]);
    return base;
  };
  const state = (): Promise<void> => d.sameState(KEYS);
  const before_ = (window = HOUR): Promise<unknown> => d.sameScript('guard-before-read', ['s', 'mark'], ['g', window]);
  const after_ = (): Promise<unknown> => d.sameScript('guard-after-read', KEYS, ['g']);
  const guarded = (noAck: '0' | '1', count = 10, window = HOUR): Promise<unknown> =>
    d.sameScript('guarded-read', KEYS, ['g', window, 'me', count, noAck]);

  it('guard-before-read: no mark, no group, no stream, a group at or past its mark', async () => {
    await before_();
    await d.same(['SET', 'mark', '5-0']);
    await before_();
    const base = await addAt(1000, 3);
    await before_();
    await d.same(['XGROUP', 'CREATE', 's', 'g', '$']);
    await d.same(['SET', 'mark', `${base}-1`]);
    await before_();
    await state();
  });

  it('guard-before-read: a group moved back below its mark is moved forward, counting what it skips', async () => {
    const base = await addAt(1000, 6);
    await d.same(['XGROUP', 'CREATE', 's', 'g', '0']);
    await d.same(['SET', 'mark', `${base}-3`]);
    await before_();
    await d.same(['XINFO', 'GROUPS', 's']);
    await d.same(['XGROUP', 'SETID', 's', 'g', `${base}-1`]);
    await before_();
    await d.same(['XGROUP', 'DESTROY', 's', 'g']);
    await d.same(['XGROUP', 'CREATE', 's', 'g', '0']);
    await d.same(['XDEL', 's', `${base}-2`]);
    await before_();
    await state();
  });

  it('guard-before-read: a mark older than the window is dropped and the group stays where it is', async () => {
    const base = await addAt(10 * 60_000, 4);
    await d.same(['XGROUP', 'CREATE', 's', 'g', '0']);
    await d.same(['SET', 'mark', `${base}-2`]);
    await before_(60_000);
    await state();
  });

  it('guard-after-read: raises the mark, never lowers it, reports pending and replays', async () => {
    await after_();
    const base = await addAt(1000, 4);
    await after_();
    await d.same(['XGROUP', 'CREATE', 's', 'g', '0']);
    await after_();
    await d.same(['XREADGROUP', 'GROUP', 'g', 'me', 'COUNT', '2', 'STREAMS', 's', '>']);
    await after_();
    await d.same(['XGROUP', 'SETID', 's', 'g', `${base}-0`]);
    await d.same(['XADD', 'replay', '1-0', 'n', 'r']);
    await after_();
    await state();
  });

  it('guarded-read: reads, moves a group back to its mark, raises the mark; NOGROUP without a group', async () => {
    await guarded('0');
    const base = await addAt(1000, 8);
    await guarded('0');
    await d.same(['XGROUP', 'CREATE', 's', 'g', '0']);
    await guarded('0', 3);
    await d.same(['XGROUP', 'SETID', 's', 'g', '0']);
    await guarded('0', 2);
    await d.same(['XDEL', 's', `${base}-5`]);
    await guarded('0', 10);
    await guarded('0', 10);
    await d.same(['XGROUP', 'DESTROY', 's', 'g']);
    await d.same(['XGROUP', 'CREATE', 's', 'g', '0']);
    await guarded('0', 10, 60);
    await state();
  });

  it('guarded-read with NOACK: entries at or below the mark are dropped; a batch below it moves the group', async () => {
    const base = await addAt(1000, 10);
    await d.same(['XGROUP', 'CREATE', 's', 'g', '0']);
    await guarded('1', 4);
    await d.same(['XGROUP', 'SETID', 's', 'g', '0']);
    await guarded('1', 2);
    await d.same(['XGROUP', 'SETID', 's', 'g', `${base}-1`]);
    await guarded('1', 5);
    await guarded('1', 5);
    await guarded('1', 5);
    await d.same(['XADD', 'replay', '1-0', 'n', 'r']);
    await guarded('1', 5);
    await state();
  });

  it('guarded-read with NOACK: a mark older than the window is dropped, then set to what was read', async () => {
    const base = await addAt(10 * 60_000, 5);
    await d.same(['XGROUP', 'CREATE', 's', 'g', '0']);
    await d.same(['SET', 'mark', `${base}-3`]);
    await guarded('1', 2, 60_000);
    await state();
    await d.same(['XGROUP', 'DESTROY', 's', 'g']);
    await guarded('1', 2, 60_000);
  });
});

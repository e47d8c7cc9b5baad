/**
 * Differential tests of the maintenance and inspection scripts (create-group, group-stats,
 * inspect-channel, consumer-hygiene, retention, real and dry runs, gone-groups, forget-group): the library's Lua on a private
 * redis-server 7.0 and the twins on the in-memory store, with the same replies and state.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import { delay } from '../support/harness.js';
import { Differential } from './differential.js';

const HOUR = 3_600_000;
const INSPECT_IDLE = [[5, '*', 6, '*', 2] as const];
const RETENTION = ['s', 'seen', 'dlq'];

describe('script twins vs Lua: maintenance and inspection', () => {
  let d: Differential;
  before(async () => {
    d = await Differential.start();
  });
  after(() => d.stop());
  beforeEach(() => d.flush());

  /** Entries at `agoMs` before the server's time, `n` of them; their ids. */
  const addAt = async (key: string, agoMs: number, n: number): Promise<string[]> => {
    await d.sync();
    const base = d.clock.now() - agoMs;
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(`${base}-${i}`);
    for (const id of ids) await d.same(['XADD', key, id, 'n', id]);
    return ids;
  };

  it('create-group: created, exists (first seen recorded once), at a mark, WRONGTYPE passed on', async () => {
    await d.sameScript('create-group', ['s', 'seen'], ['g', '$']);
    await d.sameScript('create-group', ['s', 'seen'], ['g', '$']);
    await d.same(['XGROUP', 'CREATE', 's', 'h', '0']);
    await d.sameScript('create-group', ['s', 'seen'], ['h', '0-0']);
    await d.same(['XADD', 's', '5-0', 'n', '1']);
    await d.sameScript('create-group', ['s', 'seen'], ['m', '3-0']);
    await d.sameScript('create-group', ['s', 'seen'], ['bad', 'x']);
    await d.same(['SET', 'str', 'x']);
    await d.sameScript('create-group', ['str', 'seen'], ['g', '$']);
    await d.sameState(['s', 'seen', 'str']);
  });

  it('group-stats and inspect-channel: lag, pending, oldest, consumers, dead letters, stale groups', async () => {
    await d.sameScript('group-stats', ['s', 'dlq', 'seen'], ['g', HOUR]);
    await d.sameScript('inspect-channel', ['s', 'dlq', 'seen'], [HOUR]);
    const old = await addAt('s', 2 * HOUR, 3);
    await addAt('s', 1000, 3);
    await d.same(['XADD', 'dlq', '1-0', 'dlq-id', '1-0']);
    await d.same(['XGROUP', 'CREATE', 's', 'live', '0']);
    await d.same(['XGROUP', 'CREATE', 's', 'idle', '0']);
    await d.same(['XGROUP', 'CREATE', 's', 'empty', old[1] ?? '']);
    await d.same(['XREADGROUP', 'GROUP', 'live', 'a', 'COUNT', '2', 'STREAMS', 's', '>']);
    await d.same(['XREADGROUP', 'GROUP', 'idle', 'b', 'COUNT', '4', 'STREAMS', 's', '>']);
    await d.same(['XDEL', 's', old[2] ?? '']);
    await d.same(['HSET', 'seen', 'live', '1', 'idle', '1', 'empty', '1']);
    await delay(40);
    await d.sameScript('group-stats', ['s', 'dlq', 'seen'], ['live', 10]);
    await d.sameScript('group-stats', ['s', 'dlq', 'seen'], ['empty', HOUR]);
    await d.sameScript('group-stats', ['s', 'dlq', 'seen'], ['nope', 10]);
    await d.sameScript('inspect-channel', ['s', 'dlq', 'seen'], [10], { idle: INSPECT_IDLE });
    await d.sameScript('inspect-channel', ['s', 'dlq', 'seen'], [HOUR], { idle: INSPECT_IDLE });
    await d.same(['HDEL', 'seen', 'empty']);
    await d.sameScript('inspect-channel', ['s', 'dlq', 'seen'], [10], { idle: INSPECT_IDLE });
    await d.sameState(['seen']);
  });

  it('consumer-hygiene: idle consumers owning nothing go, except this one and those owning entries', async () => {
    await addAt('s', 1000, 3);
    await d.same(['XGROUP', 'CREATE', 's', 'g', '0']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'owner', 'COUNT', '1', 'STREAMS', 's', '>']);
    for (const name of ['me', 'old-1', 'old-2']) await d.same(['XGROUP', 'CREATECONSUMER', 's', 'g', name]);
    await delay(400); // past the 300 ms idle threshold; 'young' stays well within it on a loaded machine
    await d.same(['XGROUP', 'CREATECONSUMER', 's', 'g', 'young']);
    await d.sameScript('consumer-hygiene', ['s'], ['g', '300', 'me']);
    await d.sameScript('consumer-hygiene', ['s'], ['nope', '300', 'me']);
    await d.sameScript('consumer-hygiene', ['missing'], ['g', '300', 'me']);
    await d.same(['XINFO', 'CONSUMERS', 's', 'g'], { idle: [['*', 5]] });
  });

  /** A channel: old entries read by a live group, unread by a stale one, pending on a dead consumer. */
  const channel = async (): Promise<string[]> => {
    const old = await addAt('s', 3 * HOUR, 6);
    await addAt('s', 1000, 4);
    await addAt('dlq', 3 * HOUR, 2);
    await addAt('dlq', 1000, 1);
    await d.same(['XGROUP', 'CREATE', 's', 'live', '0']);
    await d.same(['XREADGROUP', 'GROUP', 'live', 'dead', 'COUNT', '2', 'STREAMS', 's', '>']);
    await d.same(['XREADGROUP', 'GROUP', 'live', 'alive', 'COUNT', '3', 'STREAMS', 's', '>']);
    await d.same(['XGROUP', 'CREATE', 's', 'stale', old[1] ?? '']);
    await d.same(['HSET', 'seen', 'live', '1', 'stale', '1', 'gone', '1']);
    return old;
  };

  it('retention dry runs: what a real run would remove, by age, by length, with bounded counts', async () => {
    await channel();
    // The dead consumer idles past the 300 ms stale threshold; the live one is touched before each
    // call, so a loaded machine cannot make it look stale to one side and not the other.
    await delay(320);
    await d.same(['XGROUP', 'CREATECONSUMER', 's', 'live', 'alive']);
    for (const args of [
      [HOUR, '', 300, HOUR, '1'],
      [HOUR, '3', 300, '', '1'],
      ['', '2', 300, '', '1'],
      [HOUR, '', HOUR, HOUR, '1'],
      [HOUR, '1', 300, HOUR, '1', '2'],
      [1, '', 300, 1, '1', '3'],
      [1, '', 300, 1, '1', '0'],
    ]) {
      await d.same(['XCLAIM', 's', 'live', 'alive', '0', '0-0', 'JUSTID']);
      await d.same(['XREADGROUP', 'GROUP', 'live', 'alive', 'STREAMS', 's', '0']);
      await d.sameScript('retention', RETENTION, args);
    }
    await d.sameState(RETENTION, 'nothing written by dry runs');
    await d.sameScript('retention', ['missing', 'seen', 'dlq'], [HOUR, '', 300, HOUR, '1']);
  });

  it("retention: trims by age sparing live groups, by length, drops old dead letters, keeps gone groups' records", async () => {
    const old = await channel();
    await d.same(['XACK', 's', 'live', old[0] ?? '', old[1] ?? '']);
    // 300 ms, not less: the live consumer is touched just before, and a loaded machine must not make
    // it look stale to one side and not the other.
    await delay(320);
    await d.sameScript('retention', RETENTION, [HOUR, '', 300, HOUR, '1']);
    await d.same(['XREADGROUP', 'GROUP', 'live', 'alive', 'STREAMS', 's', '0']);
    await d.sameScript('retention', RETENTION, [HOUR, '', 300, HOUR]);
    await d.sameState(RETENTION, 'after trimming by age');
    await d.sameScript('retention', RETENTION, ['', '3', 300, '']);
    await d.sameState(RETENTION, 'after trimming by length');
    await d.sameScript('retention', RETENTION, [1, '1', HOUR, 1]);
    await d.sameState(RETENTION, 'after trimming nearly everything');
    await d.sameScript('retention', ['missing', 'seen', 'dlq'], [HOUR, '', 300, HOUR]);
  });

  it("gone-groups and forget-group: a destroyed group's records go, its mark while in the window stays", async () => {
    await addAt('s', 1000, 3);
    await d.same(['XGROUP', 'CREATE', 's', 'live', '0']);
    await d.same(['HSET', 'seen', 'live', '1', 'old', '1', 'fresh', '1', 'bare', '1']);
    await d.same(['HSET', 'fail:old', '1-0', '1 2', '2-0', '1 2']);
    await d.same(['HSET', 'fail:fresh', '1-0', '1 2']);
    await d.same(['HSET', 'fail:live', '1-0', '1 2']);
    await d.sync();
    await d.same(['SET', 'mark:old', `${d.clock.now() - 2 * HOUR}-0`]);
    await d.same(['SET', 'mark:fresh', `${d.clock.now() - 1000}-0`]);
    await d.sameScript('gone-groups', ['s', 'seen'], []);
    await d.sameScript('gone-groups', ['missing', 'seen'], []);
    await d.sameScript('gone-groups', ['s', 'nothing'], []);
    for (const g of ['old', 'fresh', 'bare', 'live']) {
      await d.sameScript('forget-group', ['s', 'seen', `fail:${g}`, `mark:${g}`], [g, HOUR]);
    }
    await d.sameState(['seen', 'fail:old', 'fail:fresh', 'fail:live', 'mark:old', 'mark:fresh']);
    await d.sameScript('gone-groups', ['s', 'seen'], []);
    await d.sameScript('forget-group', ['missing', 'seen', 'fail:fresh', 'mark:fresh'], ['fresh', 10]);
    await d.sameState(['seen', 'mark:fresh']);
  });
});

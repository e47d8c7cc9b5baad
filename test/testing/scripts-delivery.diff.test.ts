/**
 * Differential tests of the delivery scripts (ack, ack-unless-retrying, note-failure, lease-renew,
 * reclaim, recover-own, retry-orphans, dead-letter, dlq-replay): the library's Lua on a private redis-server 7.0
 * and the twins on the in-memory store, with the same replies and the same resulting state.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import { Differential } from './differential.js';
import { delay } from '../support/harness.js';

const CLAIM_IDLE = [[1, '*', 3] as const];

describe('script twins vs Lua: delivery', () => {
  let d: Differential;
  before(async () => {
    d = await Differential.start();
  });
  after(() => d.stop());
  beforeEach(() => d.flush());

  /** `n` entries 1-0 .. n-0 in `key`, a group `g` from the start, and `reads` of [consumer, count]. */
  const setup = async (n: number, reads: Array<[string, number]>, key = 's'): Promise<void> => {
    for (let i = 1; i <= n; i++) await d.same(['XADD', key, `${i}-0`, 'n', String(i), 'body', `b${i}`]);
    await d.same(['XGROUP', 'CREATE', key, 'g', '0']);
    for (const [consumer, count] of reads) {
      await d.same(['XREADGROUP', 'GROUP', 'g', consumer, 'COUNT', count, 'STREAMS', key, '>']);
    }
  };

  it('ack: acknowledges, forgets failure records, deletes replay entries and the emptied replay stream', async () => {
    await setup(5, [['me', 5]]);
    await d.same(['HSET', 'fail', '1-0', '1 2', '3-0', '1 2', '9-0', '1 2']);
    await d.sameScript('ack', ['s', 'fail'], ['g', '0', '1-0', '2-0', '9-0']);
    await d.sameScript('ack', ['s', 'fail'], ['g', '0']);
    await d.sameScript('ack', ['s', 'fail'], ['nope', '0', '3-0']);
    await d.sameState(['s', 'fail']);
    await setup(3, [['me', 3]], 'replay');
    await d.sameScript('ack', ['replay', 'fail'], ['g', '1', '1-0', '2-0']);
    await d.sameState(['replay', 'fail'], 'replay stream with one entry left');
    await d.sameScript('ack', ['replay', 'fail'], ['g', '1', '3-0']);
    await d.sameState(['replay', 'fail'], 'replay stream emptied');
  });

  it('ack: more than 1000 ids at once', async () => {
    const ids: string[] = [];
    for (let i = 1; i <= 1203; i++) ids.push(`${i}-0`);
    for (const id of ids) await d.quietly(['XADD', 'big', id, 'n', 'x']);
    await d.same(['XGROUP', 'CREATE', 'big', 'g', '0']);
    await d.same(['XLEN', 'big']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'me', 'COUNT', '2000', 'STREAMS', 'big', '>']);
    await d.sameScript('ack', ['big', 'fail'], ['g', '1', ...ids]);
    await d.sameState(['big']);
  });

  it('ack-unless-retrying: entries with a failure record stay pending', async () => {
    await setup(4, [['me', 4]]);
    await d.same(['HSET', 'fail', '2-0', '1 2']);
    await d.sameScript('ack-unless-retrying', ['s', 'fail'], ['g', '1-0', '2-0', '3-0']);
    await d.sameScript('ack-unless-retrying', ['s', 'fail'], ['g', '2-0']);
    await d.sameScript('ack-unless-retrying', ['s', 'fail'], ['g']);
    await d.sameState(['s', 'fail']);
  });

  it('note-failure: mine, taken over, pending nowhere (claimed back), deleted, a record kept', async () => {
    await setup(5, [
      ['me', 2],
      ['other', 1],
    ]);
    await d.sameScript('note-failure', ['s', 'fail'], ['g', 'me', '1-0', '500']);
    await d.sameScript('note-failure', ['s', 'fail'], ['g', 'me', '3-0', '500']);
    await d.same(['XACK', 's', 'g', '2-0']);
    await d.sameScript('note-failure', ['s', 'fail'], ['g', 'me', '2-0', '500']);
    await d.same(['HSET', 'fail', '1-0', '1000 2000']);
    await d.sameScript('note-failure', ['s', 'fail'], ['g', 'me', '1-0', '100']);
    await d.same(['HSET', 'fail', '1-0', 'garbage']);
    await d.sameScript('note-failure', ['s', 'fail'], ['g', 'me', '1-0', '100']);
    await d.same(['XDEL', 's', '4-0']);
    await d.sameScript('note-failure', ['s', 'fail'], ['g', 'me', '4-0', '100']);
    await d.sameScript('note-failure', ['s', 'fail'], ['g', 'me', '1-0']);
    await d.sameState(['s', 'fail']);
  });

  it('lease-renew: owned ones renewed (no delivery counted), taken ones reported, unknown ones in neither', async () => {
    await setup(6, [
      ['me', 3],
      ['other', 2],
    ]);
    await delay(30);
    await d.sameScript('lease-renew', ['s'], ['g', 'me', '1-0', '2-0', '4-0', '6-0', '9-0']);
    await d.same(['XPENDING', 's', 'g', '-', '+', '10'], { idle: [['*', 2]] });
    await d.sameState(['s']);
  });

  it('reclaim: due entries of others, retries due or not, my own, deleted entries, pages', async () => {
    await setup(8, [
      ['dead', 5],
      ['me', 2],
    ]);
    await d.same(['HSET', 'fail', '2-0', '1 1', '3-0', '1 99999999999999', '6-0', '1 1']);
    await d.same(['XDEL', 's', '4-0']);
    await delay(30);
    await d.sameScript('reclaim', ['s', 'fail'], ['g', 'me', '3600000', '0', '-', '100'], { idle: CLAIM_IDLE });
    await d.sameState(['s', 'fail'], 'after a sweep with a long claim idle time');
    await d.sameScript('reclaim', ['s', 'fail'], ['g', 'me', '10', '0', '-', '2'], { idle: CLAIM_IDLE });
    await d.sameScript('reclaim', ['s', 'fail'], ['g', 'me', '10', '0', '2-0', '2'], { idle: CLAIM_IDLE });
    await d.sameScript('reclaim', ['s', 'fail'], ['g', 'me', '10', '0', '5-0', '2'], { idle: CLAIM_IDLE });
    await d.sameScript('reclaim', ['s', 'fail'], ['g', 'me', '0', '3600000', '-', '100'], { idle: CLAIM_IDLE });
    await d.sameScript('reclaim', ['s', 'fail'], ['g', 'me', '0', '0', '-', '0']);
    await d.sameScript('reclaim', ['s', 'fail'], ['nope', 'me', '0', '0', '-', '10']);
    await d.sameState(['s', 'fail']);
  });

  it('recover-own: my pending entries not in flight and not waiting for a retry; deleted ones acknowledged', async () => {
    await setup(7, [
      ['me', 6],
      ['other', 1],
    ]);
    await d.same(['HSET', 'fail', '2-0', '1 2']);
    await d.same(['XDEL', 's', '5-0']);
    await delay(20);
    await d.sameScript('recover-own', ['s', 'fail'], ['g', 'me', '-', '3', '1-0'], { idle: CLAIM_IDLE });
    await d.sameScript('recover-own', ['s', 'fail'], ['g', 'me', '3-0', '3', '1-0'], { idle: CLAIM_IDLE });
    await d.sameScript('recover-own', ['s', 'fail'], ['g', 'nobody', '-', '3']);
    await d.same(['XPENDING', 's', 'g', '-', '+', '10'], { idle: [['*', 2]] });
    await d.sameState(['s', 'fail']);
  });

  it('retry-orphans: records of entries no longer pending go, page by page; a gone group loses them all', async () => {
    await setup(6, [['me', 6]]);
    await d.same(['HSET', 'fail', '1-0', '1 2', '2-0', '1 2', '3-0', '1 2', '4-0', '1 2', '9-0', '1 2']);
    await d.same(['XACK', 's', 'g', '2-0', '4-0']);
    await d.sameScript('retry-orphans', ['s', 'fail'], ['g', '0', '100']);
    await d.sameState(['s', 'fail']);
    await d.sameScript('retry-orphans', ['s', 'missing'], ['g', '0', '100']);
    await d.sameScript('retry-orphans', ['s', 'fail'], ['gone', '0', '100']);
    await d.sameState(['s', 'fail'], 'a gone group: every record removed');
    await d.same(['HSET', 'fail', '5-0', '1 2']);
    await d.sameScript('retry-orphans', ['nostream', 'fail'], ['g', '0', '100']);
    await d.sameState(['fail']);
  });

  const dlqArgs = (
    id: string,
    consumer: string,
    ack: string,
    cap: string,
    del: string,
    ...fields: string[]
  ): string[] => ['g', id, 'orders', consumer, 'max-attempts', 'boom', 'at line 1', '3', ack, cap, del, ...fields];

  it('dead-letter: moves with the acknowledgement, refuses what was taken over, keeps a failure record time', async () => {
    await setup(5, [['me', 4]]);
    await d.same(['HSET', 'fail', '1-0', '1700000000000 1700000001000']);
    await d.sameScript('dead-letter', ['s', 'dlq', 'fail'], dlqArgs('1-0', 'me', '1', '', '0'));
    await d.sameScript('dead-letter', ['s', 'dlq', 'fail'], dlqArgs('1-0', 'me', '1', '', '0'));
    await d.sameScript('dead-letter', ['s', 'dlq', 'fail'], dlqArgs('2-0', 'other', '1', '', '0'));
    await d.sameScript('dead-letter', ['s', 'dlq', 'fail'], dlqArgs('5-0', 'me', '0', '', '0'));
    await d.same(['XDEL', 's', '3-0']);
    await d.sameScript(
      'dead-letter',
      ['s', 'dlq', 'fail'],
      dlqArgs('3-0', 'me', '1', '', '0', 'name', 'x', 'body', '{}'),
    );
    await d.sameScript('dead-letter', ['s', 'dlq', 'fail'], dlqArgs('4-0', 'me', '1', '2', '1'));
    await d.sameState(['s', 'dlq', 'fail']);
  });

  it('dead-letter from a replay stream names the original entry (its rs-replay-of), and a replay keeps it', async () => {
    await d.same(['XADD', 'replay', '1-0', 'name', 'x', 'rs-replay-of', '7-0']);
    await d.same(['XADD', 'replay', '2-0', 'name', 'y']);
    await d.same(['XGROUP', 'CREATE', 'replay', 'g', '0']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'me', 'STREAMS', 'replay', '>']);
    await d.sameScript('dead-letter', ['replay', 'dlq', 'fail'], dlqArgs('1-0', 'me', '1', '', '1'), { save: 'a' });
    await d.sameScript('dead-letter', ['replay', 'dlq', 'fail'], dlqArgs('2-0', 'me', '1', '', '1'), { save: 'b' });
    await d.sameState(['replay', 'dlq']);
    await d.sameScript('dlq-replay', ['dlq', 'again'], (side) => [
      'g',
      String((side.saved('a') as unknown[])[0]),
      String((side.saved('b') as unknown[])[0]),
    ]);
    await d.same(['XADD', 'dlq', '*', 'dlq-group', 'g', 'dlq-id', '8-0', 'name', 'z', 'rs-replay-of', '3-0'], {
      save: 'c',
    });
    await d.sameScript('dlq-replay', ['dlq', 'again'], (side) => ['g', String(side.saved('c'))]);
    await d.sameState(['dlq', 'again']);
  });

  it('dead-letter with more fields than Lua can unpack keeps them as cjson, and dlq-replay reads them back', async () => {
    const fields: string[] = ['body', 'a/b "q" \\ \u007f \u0001 \n\t é 😀'];
    for (let i = 0; i < 3600; i++) fields.push(`f${i}`, `v/${i}`);
    await d.same(['XADD', 's', '1-0', ...fields]);
    await d.same(['XGROUP', 'CREATE', 's', 'g', '0']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'me', 'STREAMS', 's', '>']);
    await d.sameScript('dead-letter', ['s', 'dlq', 'fail'], dlqArgs('1-0', 'me', '1', '', '0'), { save: 'dl' });
    await d.sameState(['s', 'dlq']);
    await d.sameScript('dlq-replay', ['dlq', 'replay'], (side) => ['g', String((side.saved('dl') as unknown[])[0])]);
    await d.sameState(['dlq', 'replay']);
  });

  it('dlq-replay: to the failing group only, the replay group created, unknown ids false', async () => {
    await setup(3, [['me', 3]]);
    for (const id of ['1-0', '2-0', '3-0']) {
      await d.sameScript('dead-letter', ['s', 'dlq', 'fail'], dlqArgs(id, 'me', '1', '', '0'), { save: id });
    }
    await d.same(['XADD', 'dlq', '*', 'dlq-group', 'other', 'dlq-id', '7-0', 'name', 'x', 'rs-replay-of', '1-1']);
    await d.sameScript('dlq-replay', ['dlq', 'replay'], (side) => [
      'g',
      String((side.saved('1-0') as unknown[])[0]),
      '9-9',
      String((side.saved('3-0') as unknown[])[0]),
    ]);
    await d.sameState(['dlq', 'replay']);
    await d.sameScript('dlq-replay', ['dlq', 'replay'], (side) => ['g', String((side.saved('1-0') as unknown[])[0])]);
    await d.sameScript('dlq-replay', ['dlq', 'replay'], ['g']);
    await d.sameState(['dlq', 'replay']);
  });
});

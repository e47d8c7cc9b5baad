/**
 * Differential tests of consumer groups: XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM and
 * XINFO GROUPS/CONSUMERS, with the edge cases the library's scripts depend on (groups moved back
 * with SETID, destroyed and re-created, deleted entries still pending, trimmed streams, entries-read
 * and lag after XDEL and XTRIM), on a private redis-server 7.0 and on the in-memory store.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import { Differential } from './differential.js';

const ROWS_IDLE = [['*', 2] as const];
const CONSUMERS_IDLE = [['*', 5] as const];

describe('in-memory store vs redis-server: consumer groups', () => {
  let d: Differential;
  before(async () => {
    d = await Differential.start();
  });
  after(() => d.stop());
  beforeEach(() => d.flush());

  const fill = async (key: string, n: number, from = 1): Promise<void> => {
    for (let i = from; i < from + n; i++) await d.same(['XADD', key, `${i}-0`, 'n', String(i)]);
  };
  const groups = (key: string): Promise<unknown> => d.same(['XINFO', 'GROUPS', key]);

  it('XGROUP CREATE: $, 0, an id, MKSTREAM, BUSYGROUP, a missing key, WRONGTYPE, ENTRIESREAD, bad ids', async () => {
    await d.same(['XGROUP', 'CREATE', 's', 'g', '$']);
    await d.same(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    await d.same(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    await fill('s', 3);
    await d.same(['XGROUP', 'CREATE', 's', 'at-end', '$']);
    await d.same(['XGROUP', 'CREATE', 's', 'at-start', '0']);
    await d.same(['XGROUP', 'CREATE', 's', 'at-2', '2-0']);
    await d.same(['XGROUP', 'CREATE', 's', 'beyond', '9-0']);
    await d.same(['XGROUP', 'CREATE', 's', 'read', '0', 'ENTRIESREAD', '2']);
    await d.same(['XGROUP', 'CREATE', 's', 'bad', 'x']);
    await d.same(['XGROUP', 'CREATE', 's', 'bad', '+']);
    await d.same(['XGROUP', 'CREATE', 's', 'bad', '0', 'ENTRIESREAD', '-5']);
    await d.same(['XGROUP', 'CREATE', 's', 'bad', '0', 'FOO']);
    await d.same(['XGROUP', 'CREATE', 's']);
    await d.same(['XGROUP', 'NOPE', 's', 'g']);
    await d.same(['SET', 'str', 'x']);
    await d.same(['XGROUP', 'CREATE', 'str', 'g', '$', 'MKSTREAM']);
    await groups('s');
    await d.sameState(['s']);
  });

  it('XREADGROUP >: delivery, COUNT, NOACK, a consumer made on first delivery only, nothing new, NOGROUP', async () => {
    await fill('s', 5);
    await d.same(['XGROUP', 'CREATE', 's', 'g', '0']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '2', 'NOACK', 'STREAMS', 's', '>']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 's', '>']);
    await d.same(['XINFO', 'CONSUMERS', 's', 'g'], { idle: CONSUMERS_IDLE });
    await d.same(['XREADGROUP', 'GROUP', 'nope', 'alice', 'STREAMS', 's', '>']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 'missing', '>']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '$']);
    await d.same(['XREADGROUP', 'STREAMS', 's', '>']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '10', 'STREAMS', 's', '>']);
    await groups('s');
    await d.sameState(['s']);
  });

  it('XREADGROUP with an id reads the consumer own pending entries, deleted ones as nil', async () => {
    await fill('s', 6);
    await d.same(['XGROUP', 'CREATE', 's', 'g', '0']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '3', 'STREAMS', 's', '>']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '2', 'STREAMS', 's', '>']);
    await d.same(['XDEL', 's', '2-0']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '1-0']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '0-0']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'dave', 'STREAMS', 's', '0']);
    await d.same(['XPENDING', 's', 'g', '-', '+', '10'], { idle: ROWS_IDLE });
    await d.sameState(['s']);
  });

  it('XACK, and XPENDING summary, extended, IDLE, per consumer, exclusive bounds, errors', async () => {
    await fill('s', 6);
    await d.same(['XGROUP', 'CREATE', 's', 'g', '0']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '2', 'STREAMS', 's', '>']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '3', 'STREAMS', 's', '>']);
    await d.same(['XPENDING', 's', 'g']);
    await d.same(['XACK', 's', 'g', '1-0', '4-0', '9-0']);
    await d.same(['XACK', 's', 'g', '1-0']);
    await d.same(['XACK', 's', 'nope', '1-0']);
    await d.same(['XACK', 'missing', 'g', '1-0']);
    await d.same(['XACK', 's', 'g', 'bad']);
    await d.same(['XPENDING', 's', 'g']);
    for (const args of [
      ['-', '+', '10'],
      ['-', '+', '1'],
      ['(2-0', '+', '10'],
      ['-', '(5-0', '10'],
      ['-', '+', '10', 'alice'],
      ['-', '+', '10', 'nobody'],
      ['IDLE', '0', '-', '+', '10'],
      ['IDLE', '60000', '-', '+', '10'],
      ['-', '+', '0'],
      ['-', '+', '-1'],
      ['(18446744073709551615-18446744073709551615', '+', '10'],
      ['x', '+', '10'],
      ['-', '+'],
      ['IDLE', '5', '-', '+'],
    ]) {
      await d.same(['XPENDING', 's', 'g', ...args], { idle: ROWS_IDLE });
    }
    await d.same(['XPENDING', 's', 'nope']);
    await d.same(['XPENDING', 'missing', 'g', '-', '+', '1']);
    await d.same(['XACK', 's', 'g', '2-0', '3-0', '5-0', '6-0']);
    await d.same(['XPENDING', 's', 'g']);
    await d.sameState(['s']);
  });

  it('XCLAIM: owners, delivery counts, JUSTID, FORCE, IDLE, RETRYCOUNT, LASTID, deleted entries, errors', async () => {
    await fill('s', 6);
    await d.same(['XGROUP', 'CREATE', 's', 'g', '0']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '4', 'STREAMS', 's', '>']);
    await d.same(['XCLAIM', 's', 'g', 'bob', '0', '1-0', '2-0']);
    await d.same(['XCLAIM', 's', 'g', 'bob', '0', '3-0', 'JUSTID']);
    await d.same(['XCLAIM', 's', 'g', 'bob', '3600000', '4-0']);
    await d.same(['XCLAIM', 's', 'g', 'carol', '0', '5-0']);
    await d.same(['XCLAIM', 's', 'g', 'carol', '0', '5-0', 'FORCE', 'JUSTID']);
    await d.same(['XCLAIM', 's', 'g', 'carol', '0', '6-0', 'FORCE']);
    await d.same(['XCLAIM', 's', 'g', 'carol', '0', '9-0', 'FORCE']);
    await d.same(['XCLAIM', 's', 'g', 'bob', '0', '4-0', 'IDLE', '5000', 'RETRYCOUNT', '7']);
    await d.same(['XCLAIM', 's', 'g', 'bob', '0', '1-0', 'LASTID', '5-0']);
    await d.same(['XDEL', 's', '2-0', '3-0']);
    await d.same(['XCLAIM', 's', 'g', 'dave', '0', '2-0', '3-0', '1-0']);
    await d.same(['XCLAIM', 's', 'g', 'dave', '0', '1-0', 'FOO']);
    await d.same(['XCLAIM', 's', 'g', 'dave', 'x', '1-0']);
    await d.same(['XCLAIM', 's', 'nope', 'dave', '0', '1-0']);
    await d.same(['XCLAIM', 's', 'g', 'dave', '0', '1-0', 'IDLE', 'x']);
    await d.same(['XPENDING', 's', 'g', '-', '+', '10'], { idle: ROWS_IDLE });
    await d.same(['XINFO', 'CONSUMERS', 's', 'g'], { idle: CONSUMERS_IDLE });
    await d.sameState(['s']);
  });

  it('XAUTOCLAIM: cursors, COUNT, JUSTID, min-idle, deleted entries reported and dropped, errors', async () => {
    await fill('s', 8);
    await d.same(['XGROUP', 'CREATE', 's', 'g', '0']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>']);
    await d.same(['XDEL', 's', '2-0', '3-0', '7-0']);
    await d.same(['XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'COUNT', '2']);
    await d.same(['XAUTOCLAIM', 's', 'g', 'bob', '0', '3-0', 'COUNT', '3', 'JUSTID']);
    await d.same(['XAUTOCLAIM', 's', 'g', 'bob', '3600000', '0']);
    await d.same(['XAUTOCLAIM', 's', 'g', 'carol', '0', '(5-0']);
    await d.same(['XAUTOCLAIM', 's', 'g', 'carol', '0', '-', 'COUNT', '100']);
    await d.same(['XAUTOCLAIM', 's', 'g', 'carol', '0', '0', 'COUNT', '0']);
    await d.same(['XAUTOCLAIM', 's', 'g', 'carol', '0', '0', 'FOO']);
    await d.same(['XAUTOCLAIM', 's', 'nope', 'carol', '0', '0']);
    await d.same(['XPENDING', 's', 'g', '-', '+', '10'], { idle: ROWS_IDLE });
    await d.sameState(['s']);
  });

  it('XGROUP SETID, DESTROY, CREATECONSUMER, DELCONSUMER, and what each leaves in the PEL', async () => {
    await fill('s', 5);
    await d.same(['XGROUP', 'CREATE', 's', 'g', '0']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '3', 'STREAMS', 's', '>']);
    await d.same(['XGROUP', 'SETID', 's', 'g', '1-0']);
    await groups('s');
    await d.same(['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '2', 'STREAMS', 's', '>']);
    await d.same(['XGROUP', 'SETID', 's', 'g', '$']);
    await d.same(['XGROUP', 'SETID', 's', 'g', '0', 'ENTRIESREAD', '3']);
    await groups('s');
    await d.same(['XGROUP', 'SETID', 's', 'nope', '0']);
    await d.same(['XGROUP', 'SETID', 's', 'g', '+']);
    await d.same(['XGROUP', 'CREATECONSUMER', 's', 'g', 'carol']);
    await d.same(['XGROUP', 'CREATECONSUMER', 's', 'g', 'carol']);
    await d.same(['XGROUP', 'DELCONSUMER', 's', 'g', 'alice']);
    await d.same(['XGROUP', 'DELCONSUMER', 's', 'g', 'nobody']);
    await d.same(['XINFO', 'CONSUMERS', 's', 'g'], { idle: CONSUMERS_IDLE });
    await d.same(['XGROUP', 'DESTROY', 's', 'g']);
    await d.same(['XGROUP', 'DESTROY', 's', 'g']);
    await d.same(['XGROUP', 'DESTROY', 'missing', 'g']);
    await d.same(['XGROUP', 'CREATE', 's', 'g', '0']);
    await d.same(['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '>']);
    await d.same(['XINFO', 'CONSUMERS', 's', 'nope']);
    await d.same(['XINFO', 'GROUPS', 'missing']);
    await d.sameState(['s']);
  });

  it('entries-read and lag: fresh streams, reads, XDEL before, at and after the group, XTRIM, SETID', async () => {
    await d.same(['XGROUP', 'CREATE', 's', 'g0', '$', 'MKSTREAM']);
    await groups('s');
    await fill('s', 10);
    await d.same(['XGROUP', 'CREATE', 's', 'end', '$']);
    await d.same(['XGROUP', 'CREATE', 's', 'mid', '5-0']);
    await d.same(['XGROUP', 'CREATE', 's', 'first', '1-0']);
    await groups('s');
    await d.same(['XREADGROUP', 'GROUP', 'g0', 'c', 'COUNT', '3', 'STREAMS', 's', '>']);
    await d.same(['XREADGROUP', 'GROUP', 'mid', 'c', 'COUNT', '1', 'STREAMS', 's', '>']);
    await groups('s');
    await d.same(['XDEL', 's', '8-0']);
    await groups('s');
    await d.same(['XREADGROUP', 'GROUP', 'g0', 'c', 'COUNT', '6', 'STREAMS', 's', '>']);
    await groups('s');
    await d.same(['XDEL', 's', '1-0']);
    await groups('s');
    await d.same(['XTRIM', 's', 'MINID', '4-0']);
    await groups('s');
    await d.same(['XTRIM', 's', 'MINID', '9-0']);
    await groups('s');
    await d.same(['XGROUP', 'SETID', 's', 'first', '0']);
    await groups('s');
    await d.same(['XREADGROUP', 'GROUP', 'first', 'c', 'STREAMS', 's', '>']);
    await groups('s');
    await d.same(['XADD', 's', '11-0', 'n', '11']);
    await groups('s');
    await d.same(['XDEL', 's', '9-0', '10-0', '11-0']);
    await groups('s');
    await d.same(['XADD', 's', '12-0', 'n', '12']);
    await groups('s');
    await d.sameState(['s']);
  });
});

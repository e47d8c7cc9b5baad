/**
 * Differential tests of the stream commands: each sequence runs on a private redis-server 7.0 and
 * on the in-memory store, and every reply and the resulting state must be the same.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import { Differential } from './differential.js';

describe('in-memory store vs redis-server: streams', () => {
  let d: Differential;
  before(async () => {
    d = await Differential.start();
  });
  after(() => d.stop());
  beforeEach(() => d.flush());

  it('XADD: explicit ids, <ms>-*, auto ids, the errors of ids too small or 0-0, NOMKSTREAM', async () => {
    await d.same(['XADD', 's', '5-1', 'a', '1']);
    await d.same(['XADD', 's', '5-*', 'a', '2']);
    await d.same(['XADD', 's', '5', 'a', '3']);
    await d.same(['XADD', 's', '6-*', 'a', '4']);
    await d.same(['XADD', 's', '5-9', 'a', '5']);
    await d.same(['XADD', 's', '0-0', 'a', '5']);
    await d.same(['XADD', 'fresh', '0-0', 'a', '5']);
    await d.same(['XADD', 'fresh', '0-1', 'a', '5']);
    await d.same(['XADD', 's', '*', 'a', '6']);
    await d.same(['XADD', 's', '*', 'a', '7', 'b', '8']);
    await d.same(['XADD', 's', 'bad', 'a', '7']);
    await d.same(['XADD', 's', '5-x', 'a', '7']);
    await d.same(['XADD', 's', '*', 'a']);
    await d.same(['XADD', 'none', 'NOMKSTREAM', '*', 'a', '1']);
    await d.same(['XADD', 's', '99999999999999-*', 'a', '1']);
    await d.same(['XADD', 's', '99999999999999-5', 'a', '1']);
    await d.same(['SET', 'str', 'x']);
    await d.same(['XADD', 'str', '*', 'a', '1']);
    await d.sameState(['s', 'fresh', 'none', 'str']);
  });

  it('XADD with MAXLEN and MINID trims exactly', async () => {
    for (let i = 1; i <= 10; i++) await d.same(['XADD', 's', `${i}-0`, 'n', String(i)]);
    await d.same(['XADD', 's', 'MAXLEN', '5', '11-0', 'n', '11']);
    await d.same(['XADD', 's', 'MAXLEN', '=', '3', '12-0', 'n', '12']);
    await d.same(['XADD', 's', 'MINID', '11', '13-0', 'n', '13']);
    await d.same(['XADD', 's', 'MAXLEN', '-1', '14-0', 'n', '14']);
    await d.same(['XADD', 's', 'MAXLEN', '1', 'MINID', '1', '14-0', 'n', '14']);
    await d.sameState(['s']);
  });

  it('XRANGE and XREVRANGE: -, +, incomplete ids, exclusive bounds, COUNT, COUNT 0, errors', async () => {
    for (const id of ['1-0', '1-1', '2-0', '2-5', '3-0', '5-0']) await d.same(['XADD', 's', id, 'f', id]);
    await d.same(['XDEL', 's', '2-0']);
    const ranges = [
      ['-', '+'],
      ['1', '2'],
      ['(1-0', '(3-0'],
      ['(1', '+'],
      ['2-5', '2-5'],
      ['(2-5', '(2-5'],
      ['4', '+'],
      ['+', '-'],
      ['(-', '+'],
      ['-', '(0-0'],
      ['(18446744073709551615-18446744073709551615', '+'],
      ['x', '+'],
    ];
    for (const [a = '', b = ''] of ranges) {
      await d.same(['XRANGE', 's', a, b]);
      await d.same(['XREVRANGE', 's', b, a]);
      await d.same(['XRANGE', 's', a, b, 'COUNT', '2']);
      await d.same(['XREVRANGE', 's', b, a, 'COUNT', '2']);
    }
    await d.same(['XRANGE', 's', '-', '+', 'COUNT', '0']);
    await d.same(['XRANGE', 's', '-', '+', 'COUNT', '-3']);
    await d.same(['XRANGE', 's', '-', '+', 'LIMIT', '3']);
    await d.same(['XRANGE', 'missing', '-', '+']);
    await d.same(['XREVRANGE', 'missing', '+', '-', 'COUNT', '0']);
  });

  it('XDEL: the first entry, the last one, missing ids, everything; XLEN; the counters XINFO STREAM shows', async () => {
    for (let i = 1; i <= 6; i++) await d.same(['XADD', 's', `${i}-0`, 'n', String(i)]);
    await d.same(['XDEL', 's', '1-0']);
    await d.sameState(['s'], 'after deleting the first entry');
    await d.same(['XDEL', 's', '6-0', '9-9', '3-0']);
    await d.same(['XLEN', 's']);
    await d.sameState(['s'], 'after deleting the last entry');
    await d.same(['XDEL', 's', '2-0', '4-0', '5-0']);
    await d.sameState(['s'], 'after deleting everything');
    await d.same(['XADD', 's', '*', 'n', '7']);
    await d.sameState(['s'], 'after adding again');
    await d.same(['XDEL', 's', 'bad']);
    await d.same(['XDEL', 'missing', '1-0']);
  });

  it('XTRIM: MAXLEN, MINID, below and above the entries, after XDEL, errors', async () => {
    for (let i = 1; i <= 8; i++) await d.same(['XADD', 's', `${i}-0`, 'n', String(i)]);
    await d.same(['XDEL', 's', '2-0', '7-0']);
    await d.same(['XTRIM', 's', 'MINID', '1-5']);
    await d.sameState(['s'], 'after MINID below the second entry');
    await d.same(['XTRIM', 's', 'MINID', '4']);
    await d.same(['XTRIM', 's', 'MAXLEN', '2']);
    await d.sameState(['s'], 'after MAXLEN');
    await d.same(['XTRIM', 's', 'MAXLEN', '0']);
    await d.sameState(['s'], 'after trimming everything');
    await d.same(['XTRIM', 's', 'MINID', '100']);
    await d.same(['XTRIM', 'missing', 'MAXLEN', '1']);
    await d.same(['XTRIM', 's']);
    await d.same(['XTRIM', 's', 'FOO', '1']);
    await d.same(['XTRIM', 's', 'MAXLEN', 'x']);
  });

  it('XREAD without BLOCK: ids, $, several streams, COUNT, deleted entries, a missing stream, errors', async () => {
    for (let i = 1; i <= 4; i++) await d.same(['XADD', 'a', `${i}-0`, 'n', String(i)]);
    await d.same(['XADD', 'b', '2-0', 'n', 'b']);
    await d.same(['XREAD', 'STREAMS', 'a', '0']);
    await d.same(['XREAD', 'COUNT', '2', 'STREAMS', 'a', 'b', '1-0', '0-0']);
    await d.same(['XREAD', 'STREAMS', 'a', 'b', 'missing', '$', '1', '0']);
    await d.same(['XREAD', 'STREAMS', 'a', '4-0']);
    await d.same(['XDEL', 'a', '4-0']);
    await d.same(['XREAD', 'STREAMS', 'a', '3-0']);
    await d.same(['XREAD', 'STREAMS', 'a']);
    await d.same(['XREAD', 'STREAMS', 'a', '>']);
    await d.same(['XREAD', 'COUNT', 'x', 'STREAMS', 'a', '0']);
    await d.same(['XREAD', 'a', '0']);
  });
});

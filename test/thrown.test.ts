/**
 * describeThrown (src/thrown.ts): what dead letters, logs and spans record of a thrown value that
 * is not an Error. Plain objects as JSON, anything else as String() gives it, never more than 500
 * characters.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeThrown } from '../src/index.js';

describe('describeThrown', () => {
  it('writes plain objects and arrays as JSON, anything else as String() does', () => {
    class Custom {
      toString(): string {
        return 'custom text';
      }
    }
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    const cases: Array<[unknown, string]> = [
      [{ code: 42 }, '{"code":42}'],
      [[1, 'a'], '[1,"a"]'],
      [{ n: 10n }, '{"n":"10"}'],
      ['plain words', 'plain words'],
      [new RangeError('boom'), 'boom'],
      [undefined, 'undefined'],
      [null, 'null'],
      [10n, '10'],
      [Number.NaN, 'NaN'],
      [Symbol('s'), 'Symbol(s)'],
      [new Map([[1, 2]]), '[object Map]'],
      [new Custom(), 'custom text'],
      [Object.create(null) as object, '{}'],
      [cycle, '[object Object]'],
    ];
    for (const [value, text] of cases) assert.equal(describeThrown(value), text, text);
  });

  it('cuts a large value to 500 characters, ending with …', () => {
    const text = describeThrown({ big: 'x'.repeat(10_000) });
    assert.equal(text.length, 500);
    assert.ok(text.startsWith('{"big":"xxx') && text.endsWith('…'));
  });
});

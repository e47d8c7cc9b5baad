/**
 * The CLI's `publish` body check (src/cli/publish.ts): JSON text is parsed and written back
 * compactly, so a number JavaScript would write back as another one is refused (a usage error
 * naming it), and every other number, however written, is taken.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonBody } from '../../src/cli/publish.js';
import { UsageError } from '../../src/cli/errors.js';

describe('publish: numbers in the body', () => {
  it('takes numbers written back as the same number (for a Python consumer too)', () => {
    const taken = [
      '{"n": 9007199254740991}',
      '{"n": -9007199254740991}',
      '{"n": 1000000000000000000}', // exactly a double
      '{"n": 18014398509481984}',
      '{"n": 1.0, "m": -0, "f": 0.1000000000000000055511151231257827}',
      '[1e21, 1.5e300, NaN, -Infinity]',
      '{"s": "12345678901234567890", "t": "a\\"b 99999999999999999999"}',
    ];
    for (const text of taken) assert.doesNotThrow(() => parseJsonBody(text, text), text);
  });

  it('refuses a number written back as another one, naming it and what it would become', () => {
    const refused: Array<[string, RegExp]> = [
      ['{"id": 12345678901234567890}', /number 12345678901234567890,.* published as 12345678901234567000/],
      ['{"n": 9007199254740993}', /number 9007199254740993,.* published as 9007199254740992/],
      ['[10000000000000000000000]', /number 10000000000000000000000,.* published as 1e\+22/],
      ['{"f": 12345678901234567890.0}', /number 12345678901234567890\.0,.* published as 12345678901234567000/],
      ['{"a": [1, {"b": -12345678901234567890}]}', /number -12345678901234567890,/],
    ];
    for (const [text, message] of refused) {
      assert.throws(
        () => parseJsonBody(text, text),
        (err: unknown) => err instanceof UsageError && message.test(err.message),
        text,
      );
    }
  });
});

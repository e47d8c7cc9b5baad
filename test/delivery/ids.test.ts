/**
 * Stream id comparison, exact for 64-bit parts (beyond Number's 2**53).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareIds, idTimeMs } from '../../src/delivery/ids.js';

void describe('compareIds', () => {
  void it('compares sequence parts above 2**53 exactly', () => {
    const max = '1-18446744073709551615';
    const below = '1-18446744073709551614';
    // As numbers both parts round to the same double, so a numeric comparison would say equal.
    assert.equal(Number('18446744073709551615'), Number('18446744073709551614'));
    assert.equal(compareIds(max, below), 1);
    assert.equal(compareIds(below, max), -1);
    assert.equal(compareIds(max, max), 0);
    assert.equal(compareIds('1-9007199254740993', '1-9007199254740992'), 1);
  });

  void it('compares ms parts above 2**53 exactly', () => {
    assert.equal(compareIds('18446744073709551615-0', '18446744073709551614-0'), 1);
    assert.equal(compareIds('18446744073709551614-5', '18446744073709551615-0'), -1);
  });

  void it('orders by ms first, then by sequence', () => {
    assert.equal(compareIds('1712345678901-9', '1712345678902-0'), -1);
    assert.equal(compareIds('1712345678902-0', '1712345678901-9'), 1);
    assert.equal(compareIds('5-2', '5-10'), -1);
    assert.equal(compareIds('5-10', '5-2'), 1);
  });

  void it('compares parts of different lengths numerically, not as text', () => {
    assert.equal(compareIds('999-0', '1000-0'), -1);
    assert.equal(compareIds('1000-0', '999-0'), 1);
    assert.equal(compareIds('9-0', '10-0'), -1);
    assert.equal(compareIds('1-99', '1-100'), -1);
    assert.equal(compareIds('0-0', '0-1'), -1);
  });

  void it("treats an id without '-' as sequence 0", () => {
    assert.equal(compareIds('5', '5-0'), 0);
    assert.equal(compareIds('5-0', '5'), 0);
    assert.equal(compareIds('5', '5-1'), -1);
    assert.equal(compareIds('6', '5-18446744073709551615'), 1);
    assert.equal(compareIds('10', '9'), 1);
    assert.equal(compareIds('0', '0-0'), 0);
  });

  void it('sorts a shuffled list of ids', () => {
    const ids = ['2-0', '10-0', '1-18446744073709551615', '1-2', '1-10', '1', '100-0', '99-99'];
    const sorted = [...ids].sort(compareIds);
    assert.deepEqual(sorted, ['1', '1-2', '1-10', '1-18446744073709551615', '2-0', '10-0', '99-99', '100-0']);
  });
});

void describe('idTimeMs', () => {
  void it('is the ms part of an id', () => {
    assert.equal(idTimeMs('1712345678901-7'), 1712345678901);
    assert.equal(idTimeMs('1712345678901-18446744073709551615'), 1712345678901);
    assert.equal(idTimeMs('0-0'), 0);
  });

  void it("reads an id without '-' as all ms", () => {
    assert.equal(idTimeMs('42'), 42);
    assert.equal(idTimeMs('1712345678901'), 1712345678901);
  });
});

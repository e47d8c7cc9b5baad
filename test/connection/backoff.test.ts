/**
 * backoffDelay: exponential growth, a cap, and "equal jitter" (half fixed, half random).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay } from '../../src/connection/backoff.js';

const low = (): number => 0;
const high = (): number => 1;
const middle = (): number => 0.5;

void describe('backoffDelay', () => {
  void it('doubles with each attempt from baseMs', () => {
    const delays = [1, 2, 3, 4, 5].map((n) => backoffDelay(n, 100, 1_000_000, high));
    assert.deepEqual(delays, [100, 200, 400, 800, 1600]);
  });

  void it('treats attempts 0 and below as the first', () => {
    assert.equal(backoffDelay(0, 100, 10_000, high), 100);
    assert.equal(backoffDelay(-3, 100, 10_000, high), 100);
  });

  void it('is capped at maxMs', () => {
    assert.equal(backoffDelay(10, 100, 5000, high), 5000);
    assert.equal(backoffDelay(10, 100, 5000, low), 2500);
    assert.equal(backoffDelay(1000, 100, 5000, high), 5000, 'a huge attempt does not overflow past the cap');
    assert.equal(backoffDelay(5, 100, 1000, high), 1000);
    assert.equal(backoffDelay(4, 100, 1000, high), 800);
  });

  void it('stays within [exp/2, exp] (random 0 gives the floor, 1 the ceiling)', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const exp = Math.min(30_000, 500 * 2 ** (attempt - 1));
      assert.equal(backoffDelay(attempt, 500, 30_000, low), Math.round(exp / 2), `attempt ${attempt} low`);
      assert.equal(backoffDelay(attempt, 500, 30_000, high), exp, `attempt ${attempt} high`);
      assert.equal(backoffDelay(attempt, 500, 30_000, middle), Math.round(exp * 0.75), `attempt ${attempt} middle`);
    }
  });

  void it('never gives zero for a positive base, and rounds to whole ms', () => {
    assert.equal(backoffDelay(1, 1, 10, low), 1); // 0.5 rounds up
    assert.equal(backoffDelay(1, 3, 10, low), 2); // 1.5
    assert.ok(Number.isInteger(backoffDelay(1, 3, 10, () => 0.123)));
  });

  void it('uses Math.random by default and stays within the bounds', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(3, 100, 10_000);
      assert.ok(d >= 200 && d <= 400, `delay ${d} out of [200, 400]`);
      seen.add(d);
    }
    assert.ok(seen.size > 10, 'the delay is randomised');
  });
});

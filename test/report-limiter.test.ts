/**
 * ReportLimiter with an injected clock: the first report of a key goes out (0 held back), later
 * ones within the interval are held back and counted, the next one after the interval says how
 * many were held, keys are independent, reset(prefix) forgets keys, and the oldest key is evicted
 * beyond maxKeys.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReportLimiter } from '../src/report-limiter.js';

/** A limiter with a clock the test moves. */
function limiter(everyMs: number, maxKeys?: number): { limiter: ReportLimiter; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  return { limiter: new ReportLimiter(everyMs, maxKeys, () => clock.now), clock };
}

describe('ReportLimiter', () => {
  it('the first report of a key goes out at once, with 0 held back', () => {
    const { limiter: l } = limiter(1000);
    assert.equal(l.take('a'), 0);
  });

  it('holds back reports within the interval, then reports how many were held', () => {
    const { limiter: l, clock } = limiter(1000);
    assert.equal(l.take('a'), 0);
    assert.equal(l.take('a'), undefined);
    clock.now += 500;
    assert.equal(l.take('a'), undefined);
    clock.now += 499; // 999 ms after the first: still within
    assert.equal(l.take('a'), undefined);
    clock.now += 1; // exactly the interval
    assert.equal(l.take('a'), 3);
    // The count starts again, and the interval is measured from the report that went out.
    assert.equal(l.take('a'), undefined);
    clock.now += 999;
    assert.equal(l.take('a'), undefined);
    clock.now += 1;
    assert.equal(l.take('a'), 2);
  });

  it('a report after a quiet interval says 0 were held back', () => {
    const { limiter: l, clock } = limiter(1000);
    assert.equal(l.take('a'), 0);
    clock.now += 5000;
    assert.equal(l.take('a'), 0);
  });

  it('keys are limited independently', () => {
    const { limiter: l, clock } = limiter(1000);
    assert.equal(l.take('a'), 0);
    assert.equal(l.take('a'), undefined);
    assert.equal(l.take('b'), 0);
    assert.equal(l.take('b'), undefined);
    assert.equal(l.take('b'), undefined);
    clock.now += 1000;
    assert.equal(l.take('a'), 1);
    assert.equal(l.take('b'), 2);
  });

  it('reset(prefix) forgets the keys that start with it: their next report goes out at once', () => {
    const { limiter: l } = limiter(1000);
    for (const key of ['conn:a', 'conn:b', 'other:a']) assert.equal(l.take(key), 0);
    for (const key of ['conn:a', 'conn:b', 'other:a']) assert.equal(l.take(key), undefined);
    l.reset('conn:');
    assert.equal(l.take('conn:a'), 0);
    assert.equal(l.take('conn:b'), 0);
    assert.equal(l.take('other:a'), undefined, 'a key without the prefix is kept');
    l.reset('');
    assert.equal(l.take('other:a'), 0, 'the empty prefix forgets every key');
  });

  it('beyond maxKeys the oldest key is forgotten (its next report goes out), the others kept', () => {
    const { limiter: l } = limiter(1000, 3);
    for (const key of ['k1', 'k2', 'k3']) assert.equal(l.take(key), 0);
    for (const key of ['k1', 'k2', 'k3']) assert.equal(l.take(key), undefined);
    assert.equal(l.take('k4'), 0); // evicts k1, the oldest
    assert.equal(l.take('k2'), undefined);
    assert.equal(l.take('k3'), undefined);
    assert.equal(l.take('k4'), undefined);
    assert.equal(l.take('k1'), 0, 'k1 was forgotten'); // and evicts k2
    assert.equal(l.take('k3'), undefined);
    assert.equal(l.take('k2'), 0, 'k2 was forgotten next');
  });

  it('defaults to the wall clock', () => {
    const l = new ReportLimiter(60_000);
    assert.equal(l.take('a'), 0);
    assert.equal(l.take('a'), undefined);
  });
});

/**
 * Differential tests of the key, string, hash and sorted-set commands the library's scripts use
 * (GET, SET, DEL, UNLINK, EXISTS, RENAME, PEXPIRE, TYPE, TIME, HGET/HSET/HMGET/HDEL/HEXISTS/HKEYS,
 * ZADD NX, ZCOUNT, ZREMRANGEBYRANK), on a private redis-server 7.0 and on the in-memory store; and
 * key expiry on the store's own clock.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/testing/memory/clock.js';
import { call } from '../../src/testing/memory/commands/index.js';
import { MemoryStore } from '../../src/testing/memory/store/store.js';
import { Differential } from './differential.js';

describe('in-memory store vs redis-server: keys, strings, hashes, sorted sets', () => {
  let d: Differential;
  before(async () => {
    d = await Differential.start();
  });
  after(() => d.stop());
  beforeEach(() => d.flush());

  it('strings and keys: SET options, GET, EXISTS, DEL, UNLINK, RENAME, PEXPIRE, TYPE, WRONGTYPE', async () => {
    for (const args of [
      ['SET', 'a', '1'],
      ['SET', 'a', '2', 'NX'],
      ['SET', 'b', '2', 'NX'],
      ['SET', 'c', '3', 'XX'],
      ['SET', 'a', '4', 'XX', 'GET'],
      ['SET', 'p', 'x', 'PX', '60000'],
      ['SET', 'p', 'x', 'PX', '0'],
      ['SET', 'p', 'x', 'NX', 'XX'],
      ['GET', 'a'],
      ['GET', 'missing'],
      ['EXISTS', 'a', 'b', 'a', 'missing'],
      ['PEXPIRE', 'a', '60000'],
      ['PEXPIRE', 'missing', '1000'],
      ['PEXPIRE', 'b', '-5'],
      ['EXISTS', 'b'],
      ['RENAME', 'a', 'moved'],
      ['RENAME', 'missing', 'x'],
      ['RENAME', 'moved', 'moved'],
      ['TYPE', 'moved'],
      ['TYPE', 'missing'],
      ['HSET', 'h', 'f', 'v'],
      ['GET', 'h'],
      ['SET', 'h', 'now-a-string'],
      ['TYPE', 'h'],
      ['DEL', 'moved', 'missing', 'h'],
      ['UNLINK', 'p', 'x'],
    ]) {
      await d.same(args);
    }
    await d.same(['SET', 's', 'v']);
    await d.same(['PEXPIRE', 's', '60000']);
    await d.same(['SET', 'dst', 'old']);
    await d.same(['RENAME', 's', 'dst']);
    await d.sameState(['s', 'dst', 'moved', 'a', 'b']);
    const [real, model] = await d.both(['TIME']);
    const ms = (o: typeof real): number => {
      assert.ok(
        'reply' in o && Array.isArray(o.reply) && o.reply.every((x) => typeof x === 'string' && /^\d+$/.test(x)),
      );
      const [s = '0', us = '0'] = o.reply as string[];
      return Number(s) * 1000 + Math.floor(Number(us) / 1000);
    };
    assert.ok(Math.abs(ms(real) - ms(model)) < 1500, 'TIME: [seconds, microseconds] of the same clock');
  });

  it('hashes: HSET counts new fields, HGET, HMGET, HDEL (the key goes with its last field), HEXISTS, HKEYS', async () => {
    for (const args of [
      ['HSET', 'h', 'a', '1', 'b', '2'],
      ['HSET', 'h', 'a', '3', 'c', '4'],
      ['HSET', 'h', 'a'],
      ['HGET', 'h', 'a'],
      ['HGET', 'h', 'zz'],
      ['HGET', 'missing', 'a'],
      ['HMGET', 'h', '', 'a', 'zz', 'c'],
      ['HMGET', 'missing', 'a', 'b'],
      ['HEXISTS', 'h', 'b'],
      ['HEXISTS', 'h', 'zz'],
      ['HKEYS', 'h'],
      ['HKEYS', 'missing'],
      ['HDEL', 'h', 'a', 'zz'],
      ['HDEL', 'missing', 'a'],
      ['HSET', 'h', '', 'empty-field'],
    ]) {
      await d.same(args);
    }
    await d.sameState(['h']);
    await d.same(['HDEL', 'h', 'b', 'c', '']);
    await d.same(['EXISTS', 'h']);
    await d.same(['SET', 'str', 'x']);
    await d.same(['HGET', 'str', 'a']);
    await d.same(['HSET', 'str', 'a', 'b']);
  });

  it('sorted sets: ZADD NX, ZCOUNT with open bounds, ZREMRANGEBYRANK, the order of equal scores', async () => {
    for (const args of [
      ['ZADD', 'z', 'NX', '100', 'b', '100', 'a', '50', 'c'],
      ['ZADD', 'z', 'NX', '1', 'a', '200', 'd'],
      ['ZADD', 'z', '75', 'c'],
      ['ZADD', 'z', 'NX', 'x', 'e'],
      ['ZADD', 'z', 'NX', '1'],
      ['ZCOUNT', 'z', '-inf', '+inf'],
      ['ZCOUNT', 'z', '-inf', '(100'],
      ['ZCOUNT', 'z', '(75', '100'],
      ['ZCOUNT', 'z', 'x', '1'],
      ['ZCOUNT', 'missing', '-inf', '+inf'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZREMRANGEBYRANK', 'z', '0', '1'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZREMRANGEBYRANK', 'z', '5', '9'],
      ['ZREMRANGEBYRANK', 'z', '-1', '-1'],
      ['ZREMRANGEBYRANK', 'z', '0', 'x'],
      ['ZREMRANGEBYRANK', 'z', '0', '-1'],
      ['EXISTS', 'z'],
    ]) {
      await d.same(args);
    }
    await d.sameState(['z']);
  });
});

describe('key expiry on the store clock', () => {
  it('a key with a TTL is there until the clock reaches its expiry, then gone', () => {
    const clock = new ManualClock(1_000_000);
    const store = new MemoryStore({ clock });
    call(store, 'SET', 'k', 'v', 'PX', '100');
    call(store, 'HSET', 'h', 'f', 'v');
    call(store, 'PEXPIRE', 'h', '50');
    clock.advance(49);
    assert.equal(call(store, 'EXISTS', 'k', 'h'), 2);
    assert.equal(call(store, 'PTTL', 'h'), 1);
    clock.advance(1);
    assert.equal(call(store, 'EXISTS', 'h'), 0);
    assert.equal(call(store, 'GET', 'k'), 'v');
    clock.advance(50);
    assert.equal(call(store, 'GET', 'k'), null);
    assert.deepEqual(call(store, 'TIME'), ['1000', '100000']);
  });
});

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

describe('in-memory store vs redis-server: ZADD GT/LT and HSCAN (used by scripts newer than the twins)', () => {
  let d: Differential;
  before(async () => {
    d = await Differential.start();
  });
  after(() => d.stop());
  beforeEach(() => d.flush());

  it('ZADD GT and LT update only upwards or downwards, still add new members, and refuse NX with them', async () => {
    for (const args of [
      ['ZADD', 'z', '10', 'a', '20', 'b'],
      ['ZADD', 'z', 'GT', '15', 'a', '15', 'b', '5', 'c'],
      ['ZADD', 'z', 'LT', 'CH', '1', 'a', '30', 'b'],
      ['ZADD', 'z', 'GT', 'CH', '16', 'b', '16', 'a'],
      ['ZADD', 'z', 'XX', 'GT', '40', 'b', '40', 'new'],
      ['ZADD', 'z', 'GT', 'NX', '1', 'a'],
      ['ZADD', 'z', 'GT', 'LT', '1', 'a'],
      ['ZADD', 'missing', 'XX', 'GT', '1', 'a'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    ]) {
      await d.same(args);
    }
    await d.sameState(['z', 'missing']);
  });

  it('HSCAN: a small hash whole with cursor 0; a large one in pages that end at 0 and hold every field once', async () => {
    await d.same(['HSET', 'small', 'a', '1', 'b', '2', 'c', '3']);
    await d.same(['HSCAN', 'small', '0']);
    await d.same(['HSCAN', 'small', '0', 'COUNT', '1']);
    await d.same(['HSCAN', 'missing', '0']);
    await d.same(['HSCAN', 'small', 'x']);
    await d.same(['HSET', 'long-value', 'f', 'v'.repeat(65)]);
    const fields: string[] = [];
    for (let i = 0; i < 300; i++) fields.push(`f${i}`, `v${i}`);
    await d.quietly(['HSET', 'large', ...fields]);
    for (const key of ['large', 'long-value']) {
      const seen = { real: new Map<string, string>(), model: new Map<string, string>() };
      for (const side of ['real', 'model'] as const) {
        let cursor = '0';
        do {
          const reply = (
            side === 'real'
              ? await d.real.call('HSCAN', key, cursor, 'COUNT', '50')
              : call(d.store, 'HSCAN', key, cursor, 'COUNT', '50')
          ) as [string, string[]];
          cursor = reply[0];
          for (let i = 0; i < reply[1].length; i += 2) seen[side].set(reply[1][i]!, reply[1][i + 1]!);
        } while (cursor !== '0');
      }
      assert.deepEqual([...seen.model].sort(), [...seen.real].sort(), `every field of ${key} once`);
    }
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

/**
 * Names and keys: the dtpyfw naming contract (dtpyfw-behaviour.md §2) and the cluster-slot rules of
 * the keys only this library writes.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import {
  deadLetterKey,
  groupName,
  guardKey,
  hashTag,
  hostIdentity,
  instanceName,
  isAuxiliaryStream,
  isSlotSafe,
  publishKeys,
  replayKey,
  ledgerKey,
  serviceName,
  retryKey,
  sanitize,
  slotPrefix,
} from '../src/naming.js';

/** CRC16/XMODEM (poly 0x1021, init 0), the checksum Redis Cluster uses for key slots. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

/** Redis Cluster's HASH_SLOT, written from the cluster spec (independently of src/naming.ts). */
function keySlot(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b /* { */);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d /* } */, open + 1);
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) & 16383;
  }
  return crc16(bytes) & 16383;
}

/** A small deterministic PRNG (mulberry32), so generated cases are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

void describe('sanitize', () => {
  void it('keeps the allowed characters [a-zA-Z0-9._:-] unchanged', () => {
    const allowed = 'abcXYZ019._:-';
    assert.equal(sanitize(allowed, 100), allowed);
  });

  void it('turns each run of other characters into one dash', () => {
    assert.equal(sanitize('a b', 100), 'a-b');
    assert.equal(sanitize('a   b', 100), 'a-b');
    assert.equal(sanitize('a @#$%^&*() b', 100), 'a-b');
    assert.equal(sanitize('a/b\\c', 100), 'a-b-c');
    assert.equal(sanitize(' lead and trail ', 100), '-lead-and-trail-');
    assert.equal(sanitize('café crème', 100), 'caf-cr-me');
    // An astral character is two UTF-16 units in JS and one code point in Python: both give one dash.
    assert.equal(sanitize('a😀😀b', 100), 'a-b');
    assert.equal(sanitize('{orders}', 100), '-orders-');
  });

  void it('does not merge an allowed dash with a replaced run', () => {
    assert.equal(sanitize('a- -b', 100), 'a---b');
    assert.equal(sanitize('a--b', 100), 'a--b');
  });

  void it('cuts the result (not the input) to maxLen', () => {
    assert.equal(sanitize('abcdef', 3), 'abc');
    assert.equal(sanitize('a    b', 3), 'a-b');
    assert.equal(sanitize('abc', 3), 'abc');
    assert.equal(sanitize('abc', 0), '');
    assert.equal(sanitize('x'.repeat(300), 128).length, 128);
  });

  void it("gives '' for '', undefined and null", () => {
    assert.equal(sanitize('', 10), '');
    assert.equal(sanitize(undefined, 10), '');
    assert.equal(sanitize(null, 10), '');
  });
});

void describe('serviceName and groupName', () => {
  void it('sanitizes the consumer name and cuts it to 128 characters', () => {
    assert.equal(serviceName('billing'), 'billing');
    assert.equal(serviceName('billing service/v2'), 'billing-service-v2');
    const long = 'a'.repeat(127) + 'bcd';
    assert.equal(serviceName(long), 'a'.repeat(127) + 'b');
    assert.equal(serviceName(long).length, 128);
  });

  void it('builds <channel>:<listener>:cg with the channel verbatim', () => {
    assert.equal(groupName('orders', 'billing'), 'orders:billing:cg');
    assert.equal(groupName('my orders/{eu}', 'billing'), 'my orders/{eu}:billing:cg');
    assert.equal(groupName('café', serviceName('billing service')), 'café:billing-service:cg');
  });
});

void describe('hostIdentity', () => {
  void it('prefers POD_NAME, then HOSTNAME, then os.hostname()', () => {
    assert.equal(hostIdentity({ POD_NAME: 'pod-1', HOSTNAME: 'host-1' }), 'pod-1');
    assert.equal(hostIdentity({ HOSTNAME: 'host-1' }), 'host-1');
    assert.equal(hostIdentity({}), hostname());
  });

  void it('skips empty variables, as Python `or` does', () => {
    assert.equal(hostIdentity({ POD_NAME: '', HOSTNAME: 'host-1' }), 'host-1');
    assert.equal(hostIdentity({ POD_NAME: '', HOSTNAME: '' }), hostname());
  });
});

void describe('instanceName', () => {
  void it('is <listener>.<host>.<pid>.<suffix>', () => {
    assert.equal(instanceName('billing', 'web-1', 1234, 'deadbeef'), 'billing.web-1.1234.deadbeef');
  });

  void it('sanitizes the host and cuts it to 64 characters', () => {
    assert.equal(instanceName('billing', 'my host/1', 7, '0badf00d'), 'billing.my-host-1.7.0badf00d');
    const host = 'h'.repeat(100);
    assert.equal(instanceName('svc', host, 7, '0badf00d'), `svc.${'h'.repeat(64)}.7.0badf00d`);
  });

  void it('sanitizes the whole name and cuts it to 200 characters', () => {
    assert.equal(instanceName('bill ing', 'h', 1, 'abcdef01'), 'bill-ing.h.1.abcdef01');
    const listener = 'l'.repeat(128);
    const name = instanceName(listener, 'h'.repeat(64), 123456, 'abcdef01');
    assert.equal(name.length, 200);
    assert.equal(name, `${listener}.${'h'.repeat(64)}.123456.abcdef01`.slice(0, 200));
  });

  void it('uses the host identity, the process id and a random 8-hex suffix by default', () => {
    const host = sanitize(hostIdentity(), 64).replace(/[.]/g, '\\.');
    const pattern = new RegExp(`^billing\\.${host}\\.${process.pid}\\.[0-9a-f]{8}$`);
    const a = instanceName('billing');
    assert.match(a, pattern);
    const b = instanceName('billing');
    assert.match(b, pattern);
    assert.notEqual(a, b, 'each call draws a fresh suffix');
  });

  void it('draws suffixes that differ between calls', () => {
    const suffixes = new Set<string>();
    for (let i = 0; i < 50; i++) suffixes.add(instanceName('svc', 'h', 1).split('.').pop()!);
    assert.equal(suffixes.size, 50);
    for (const s of suffixes) assert.match(s, /^[0-9a-f]{8}$/);
  });
});

void describe('ledgerKey', () => {
  void it('is stream:<channel>:group:<group>:processed', () => {
    assert.equal(ledgerKey('orders', 'g'), 'stream:orders:group:g:processed');
  });

  void it('matches the dtpyfw example (channel orders, consumer billing)', () => {
    const group = groupName('orders', serviceName('billing'));
    assert.equal(ledgerKey('orders', group), 'stream:orders:group:orders:billing:cg:processed');
  });
});

void describe('hashTag', () => {
  void it('is the text between the first { and the next }', () => {
    assert.equal(hashTag('{app}.orders'), 'app');
    assert.equal(hashTag('x{app}y{other}'), 'app');
    assert.equal(hashTag('x}{y}'), 'y');
    assert.equal(hashTag('{a{b}'), 'a{b');
  });

  void it('is undefined without a non-empty tag', () => {
    assert.equal(hashTag('orders'), undefined);
    assert.equal(hashTag('a{b'), undefined);
    assert.equal(hashTag('x{}y'), undefined);
    assert.equal(hashTag('{}{x}'), undefined);
    assert.equal(hashTag('a}b'), undefined);
  });
});

void describe('auxiliary keys and slots', () => {
  void it('wraps a channel without a tag in {}', () => {
    assert.equal(slotPrefix('orders'), '{orders}');
    assert.equal(deadLetterKey('orders'), '{orders}:dlq');
    assert.equal(guardKey('orders', 'orders:billing:cg'), '{orders}:guard:orders:billing:cg');
    assert.equal(retryKey('orders', 'orders:billing:cg'), '{orders}:retries:orders:billing:cg');
    assert.equal(isSlotSafe('orders'), true);
  });

  void it('keeps the tag of a channel that has one', () => {
    assert.equal(slotPrefix('{app}.orders'), '{app}.orders');
    assert.equal(deadLetterKey('{app}.orders'), '{app}.orders:dlq');
    assert.equal(guardKey('{app}.orders', 'g'), '{app}.orders:guard:g');
    assert.equal(retryKey('{app}.orders', 'g'), '{app}.orders:retries:g');
    assert.equal(isSlotSafe('{app}.orders'), true);
  });

  void it('wraps a channel with { but no }', () => {
    assert.equal(slotPrefix('a{b'), '{a{b}');
    assert.equal(deadLetterKey('a{b'), '{a{b}:dlq');
    assert.equal(isSlotSafe('a{b'), true);
  });

  void it('reports a channel containing } without a valid tag as not slot safe', () => {
    for (const channel of ['x{}y', 'a}b', '{}{x}', 'x}', '}{']) {
      assert.equal(isSlotSafe(channel), false, channel);
      assert.equal(slotPrefix(channel), channel, channel);
    }
  });

  void it('has a CRC16 that matches Redis Cluster (check value and known slots)', () => {
    assert.equal(crc16(Buffer.from('123456789')), 0x31c3);
    assert.equal(keySlot('foo'), 12182);
    assert.equal(keySlot('{foo}.bar'), 12182);
    assert.notEqual(keySlot('x{}y'), keySlot('y'));
  });

  void it('puts dead-letter, guard, retry and idempotency keys in the stream slot when isSlotSafe', () => {
    const channels = ['orders', '{app}.orders', 'a{b', 'x{}y', 'billing.events', 'café/événements', 'a}b', '{}{x}'];
    let checked = 0;
    for (const channel of channels) {
      if (!isSlotSafe(channel)) continue;
      checked++;
      const slot = keySlot(channel);
      assert.equal(keySlot(deadLetterKey(channel)), slot, `dead letters of ${channel}`);
      assert.equal(keySlot(guardKey(channel, groupName(channel, 'svc'))), slot, `guard of ${channel}`);
      assert.equal(keySlot(retryKey(channel, groupName(channel, 'svc'))), slot, `retries of ${channel}`);
      for (const key of publishKeys(channel)) assert.equal(keySlot(key), slot, `idempotency keys of ${channel}`);
    }
    assert.equal(checked, 5);
  });

  void it('never reports slot safety wrongly (generated channels over { } a b)', () => {
    const random = prng(42);
    const alphabet = ['a', 'b', '{', '}'];
    let safe = 0;
    for (let n = 0; n < 2000; n++) {
      const length = 1 + Math.floor(random() * 7);
      let channel = '';
      for (let i = 0; i < length; i++) channel += alphabet[Math.floor(random() * alphabet.length)]!;
      if (!isSlotSafe(channel)) continue;
      safe++;
      const slot = keySlot(channel);
      assert.equal(keySlot(deadLetterKey(channel)), slot, channel);
      assert.equal(keySlot(guardKey(channel, 'g')), slot, channel);
      assert.equal(keySlot(retryKey(channel, 'g')), slot, channel);
      for (const key of publishKeys(channel)) assert.equal(keySlot(key), slot, channel);
    }
    assert.ok(safe > 100, `only ${safe} safe channels generated`);
  });
});

void describe('isAuxiliaryStream', () => {
  void it("recognises the library's own streams as the key builders make them, and no channel", () => {
    for (const channel of ['orders', '{app}.orders', 'a:dlq', 'x:replay:g']) {
      assert.equal(isAuxiliaryStream(channel), false, channel);
      assert.equal(isAuxiliaryStream(deadLetterKey(channel)), true, deadLetterKey(channel));
      assert.equal(isAuxiliaryStream(replayKey(channel, `${channel}:svc:cg`)), true);
    }
  });
});

/**
 * Idempotent publishing on a real server: a key is appended once within the window (alone, in a
 * batch, across batches, in one tick), its id returned every time; after the window it appends
 * again; consumers see the key; and under a CLIENT KILL storm 10,000 keyed publishes, retried by
 * the library, all resolve and leave exactly one entry per key.
 */
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { InvalidMessageError, PublishError, type MessageContext } from '../../src/index.js';
import { publishKeys } from '../../src/naming.js';
import { delay, uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { waitForServerTime } from '../support/states.js';

const redis = useRedis();

/** The server time (ms) an entry id carries: the windows below are measured from it. */
const msOf = (id: string): number => Number(id.split('-')[0]);

/** Waits until the server's clock is `ms` past the time of entry `id` (the windows are the server's). */
async function pastIdBy(id: string, ms: number, what: string): Promise<void> {
  await waitForServerTime(redis.client, msOf(id) + ms, what);
}

async function keysOf(channel: string): Promise<string[]> {
  const entries = await redis.client.xrange(channel, '-', '+');
  return entries.map(([, fields]) => {
    const at = fields.indexOf('rs-idempotency-key');
    return at < 0 ? '' : (fields[at + 1] ?? '');
  });
}

describe('idempotent publishing', () => {
  it('appends a key once and returns the first id again; another key appends', async () => {
    const channel = uniqueChannel('idem');
    const s = redis.streamer('idem-pub');
    const first = await s.sendMessage(channel, { name: 'order.paid', body: { n: 1 } }, { idempotencyKey: 'k1' });
    const again = await s.sendMessage(channel, { name: 'order.paid', body: { n: 1 } }, { idempotencyKey: 'k1' });
    const other = await s.sendMessage(channel, { name: 'order.paid', body: { n: 2 } }, { idempotencyKey: 'k2' });
    assert.equal(again, first);
    assert.notEqual(other, first);
    assert.equal(await redis.client.xlen(channel), 2);
    assert.deepEqual(await keysOf(channel), ['k1', 'k2']);
    // Counted once: the repeat appended nothing.
    assert.equal((await s.getStats()).perChannel[channel]?.published, 2);
  });

  it('appends again after the window', async () => {
    const channel = uniqueChannel('idem-window');
    const s = redis.streamer('idem-window', { publishDedupWindowMs: 300 });
    const first = await s.sendMessage(channel, { name: 'n', body: 1 }, { idempotencyKey: 'k' });
    const [current, previous] = publishKeys(channel);
    const ttl = await redis.client.pttl(current);
    assert.ok(ttl > 0 && ttl <= 300, `the records expire with the window (pttl ${ttl})`);
    assert.equal(await redis.client.exists(previous), 0, 'no previous generation yet');
    await pastIdBy(first, 300, 'the first record older than the window');
    const second = await s.sendMessage(channel, { name: 'n', body: 1 }, { idempotencyKey: 'k' });
    assert.notEqual(second, first);
    assert.equal(await redis.client.xlen(channel), 2);
  });

  it('keeps keys through a generation change and forgets each once it is older than the window', async () => {
    const channel = uniqueChannel('idem-forget');
    const s = redis.streamer('idem-forget', { publishDedupWindowMs: 500 });
    const [current, previous] = publishKeys(channel);
    const old = 'заказ-7✓'; // not ASCII
    const first = await s.sendMessage(channel, { name: 'n', body: 1 }, { idempotencyKey: old });
    await pastIdBy(first, 300, 'the generation 300 ms old');
    const newer = await s.sendMessage(channel, { name: 'n', body: 2 }, { idempotencyKey: 'new' });
    // The generation started with the first publish: once it is a window old, this publish moves it
    // to the previous one ('new' is then about 200 ms old, remembered there).
    await pastIdBy(first, 500, 'the generation a window old');
    const again = await s.sendMessage(channel, { name: 'n', body: 1 }, { idempotencyKey: old });
    assert.notEqual(again, first, 'a key older than the window appends again');
    assert.deepEqual(
      await redis.client.hmget(previous, old, 'new'),
      [first, newer],
      'the previous generation holds the records made before the change',
    );
    assert.equal(await redis.client.hget(current, old), again);
    // 'new', younger than the window, is in the previous generation: still remembered.
    assert.equal(await s.sendMessage(channel, { name: 'n', body: 2 }, { idempotencyKey: 'new' }), newer);
    assert.equal(await redis.client.xlen(channel), 3);
    // The current generation started with `again`: 'mid' joins it, then the next change comes.
    await pastIdBy(again, 250, 'half a window into the new generation');
    const mid = await s.sendMessage(channel, { name: 'n', body: 3 }, { idempotencyKey: 'mid' });
    await pastIdBy(again, 500, 'the next change: the previous generation goes (its records are all stale)');
    const later = await s.sendMessage(channel, { name: 'n', body: 4 }, { idempotencyKey: 'later' });
    assert.deepEqual(await redis.client.hmget(previous, old, 'mid', 'new', 'later'), [again, mid, null, null]);
    assert.deepEqual(await redis.client.hmget(current, old, 'mid', 'new', 'later'), [null, null, null, later]);
  });

  it('counts the window from the first publish of a key: repeats do not extend it', async () => {
    const channel = uniqueChannel('idem-first');
    const s = redis.streamer('idem-first', { publishDedupWindowMs: 400 });
    const ids = await s.sendMessages(channel, [
      { name: 'n', body: 0, idempotencyKey: 'a' },
      { name: 'n', body: 1, idempotencyKey: 'b' },
      { name: 'n', body: 2, idempotencyKey: 'a' },
    ]);
    assert.equal(ids[2], ids[0], 'a key repeated in a batch resolves to its first entry');
    await pastIdBy(ids[0]!, 250, "'a' 250 ms old");
    assert.deepEqual(await s.sendMessages(channel, [{ name: 'n', body: 3, idempotencyKey: 'a' }]), [ids[0]]);
    // 'a' was first published more than the window ago, repeated less than that ago.
    await pastIdBy(ids[0]!, 400, "'a' first published a window ago");
    const fresh = await s.sendMessage(channel, { name: 'n', body: 4 }, { idempotencyKey: 'a' });
    assert.notEqual(fresh, ids[0]);
    assert.equal(await redis.client.xlen(channel), 3);
  });

  it("keeps the longest window of a channel's publishers; each publisher's own window decides a repeat", async () => {
    const channel = uniqueChannel('idem-windows');
    const long = redis.streamer('idem-long', { publishDedupWindowMs: 1500 });
    const short = redis.streamer('idem-short', { publishDedupWindowMs: 200 });
    const [current] = publishKeys(channel);
    const first = await long.sendMessage(channel, { name: 'n', body: 1 }, { idempotencyKey: 'k' });
    await short.sendMessage(channel, { name: 'n', body: 2 }, { idempotencyKey: 'other' });
    const ttl = await redis.client.pttl(current);
    assert.ok(ttl > 1000, `a short-window publish does not shorten the records' life (pttl ${ttl})`);
    await pastIdBy(first, 300, "the key older than the short window's generation");
    assert.equal(
      await long.sendMessage(channel, { name: 'n', body: 1 }, { idempotencyKey: 'k' }),
      first,
      "the long window's key is still remembered after the short window's generation time",
    );
    const byShort = await short.sendMessage(channel, { name: 'n', body: 1 }, { idempotencyKey: 'k' });
    assert.notEqual(byShort, first, 'for the short-window publisher, the 300 ms old key has expired');
    assert.equal(await redis.client.xlen(channel), 3);
  });

  it('calls in one tick with one key append one entry, all resolving to its id', async () => {
    const channel = uniqueChannel('idem-tick');
    const s = redis.streamer('idem-tick');
    const ids = await Promise.all(
      [0, 1, 2, 3].map((i) => s.sendMessage(channel, { name: 'n', body: i }, { idempotencyKey: i < 3 ? 'same' : 'x' })),
    );
    assert.equal(new Set(ids.slice(0, 3)).size, 1);
    assert.notEqual(ids[3], ids[0]);
    assert.equal(await redis.client.xlen(channel), 2);
  });

  it('a batch with repeated keys inside it and across batches; unkeyed messages always append', async () => {
    const channel = uniqueChannel('idem-batch');
    const s = redis.streamer('idem-batch');
    const first = await s.sendMessages(channel, [
      { name: 'n', body: 0, idempotencyKey: 'a' },
      { name: 'n', body: 1, idempotencyKey: 'b' },
      { name: 'n', body: 2, idempotencyKey: 'a' },
      { name: 'n', body: 3 },
    ]);
    assert.equal(first[2], first[0], 'a key repeated inside the batch resolves to its first entry');
    const second = await s.sendMessages(channel, [
      { name: 'n', body: 4, idempotencyKey: 'b' },
      { name: 'n', body: 5, idempotencyKey: 'c' },
      { name: 'n', body: 6 },
    ]);
    assert.equal(second[0], first[1], 'a key of an earlier batch resolves to its entry');
    assert.deepEqual(await keysOf(channel), ['a', 'b', '', 'c', '']);
    const bodies = (await redis.client.xrange(channel, '-', '+')).map(([, f]) => f[3]);
    assert.deepEqual(bodies, ['0', '1', '3', '5', '6'], 'the first message of a key is the one kept');
  });

  it('gives consumers the key in the context and the fields', async () => {
    const channel = uniqueChannel('idem-ctx');
    const consumer = redis.streamer('idem-consumer');
    await consumer.subscribe(channel);
    const seen: MessageContext[] = [];
    consumer.registerHandler(channel, (_n, _p, ctx) => void seen.push(ctx));
    void consumer.persistConsume({ blockMs: 200 });
    const s = redis.streamer('idem-ctx-pub');
    await s.sendMessage(channel, { name: 'n', body: 1 }, { idempotencyKey: 'order-42' });
    await s.sendMessage(channel, { name: 'n', body: 2 });
    await waitFor(() => seen.length === 2, 'both handled');
    assert.equal(seen[0]?.idempotencyKey, 'order-42');
    assert.equal(seen[0]?.fields['rs-idempotency-key'], 'order-42');
    assert.equal(seen[1]?.idempotencyKey, undefined);
  });

  it('refuses a bad key before sending anything', async () => {
    const channel = uniqueChannel('idem-bad');
    const s = redis.streamer('idem-bad');
    await assert.rejects(s.sendMessage(channel, { name: 'n', body: 1 }, { idempotencyKey: '' }), /idempotencyKey/);
    await assert.rejects(
      s.sendMessages(channel, [
        { name: 'n', body: 1 },
        { name: 'n', body: 2, idempotencyKey: 'x'.repeat(513) },
      ]),
      InvalidMessageError,
    );
    await assert.rejects(
      s.sendMessage(channel, { name: 'n', body: 1 }, { idempotencyKey: 'order-\uD800' }),
      (err: unknown) => err instanceof InvalidMessageError && /lone surrogate/.test(err.message),
    );
    assert.equal(await redis.client.exists(channel), 0);
  });

  it('costs a bounded amount of memory per key', async () => {
    const channel = uniqueChannel('idem-mem');
    const s = redis.streamer('idem-mem');
    const keys = 1000;
    await s.sendMessages(
      channel,
      Array.from({ length: keys }, (_, i) => ({ name: 'n', body: i, idempotencyKey: randomUUID() })),
    );
    let bytes = 0;
    for (const key of publishKeys(channel))
      bytes += Number(await redis.client.call('MEMORY', 'USAGE', key, 'SAMPLES', 0));
    const perKey = bytes / keys;
    console.log(`[idempotency] ${JSON.stringify({ keyChars: 36, bytesPerKey: Math.round(perKey) })}`);
    assert.ok(perKey > 36 && perKey < 300, `one key's record takes ${perKey} bytes`);
  });

  it('under a CLIENT KILL storm, 10,000 keyed publishes all resolve and leave one entry per key', async (t) => {
    const channel = uniqueChannel('idem-storm');
    const s = redis.streamer('storm-pub');
    const admin = new Redis(redis.url);
    t.after(() => admin.disconnect());
    let stop = false;
    let kills = 0;
    const killer = (async () => {
      while (!stop) {
        await delay(25); // the pace of the kills
        const list = String(await admin.client('LIST'));
        for (const line of list.split('\n')) {
          if (!line.includes('name=redis-streamer:storm-pub:command')) continue;
          const id = /\bid=(\d+)/.exec(line)?.[1];
          if (id !== undefined) kills += Number(await admin.client('KILL', 'ID', id));
        }
      }
    })();
    const N = 10_000;
    const ids = new Map<string, string>();
    let rejected = 0;
    for (let wave = 0; wave < N / 200; wave++) {
      const calls = Array.from({ length: 200 }, (_, k) => {
        const key = `order-${wave * 200 + k}`;
        return s.sendMessage(channel, { name: 'n', body: { key } }, { idempotencyKey: key }).then(
          (id) => void ids.set(key, id),
          (err: unknown) => {
            rejected++;
            if (!(err instanceof PublishError)) throw err;
          },
        );
      });
      await Promise.all(calls);
    }
    stop = true;
    await killer;
    const keys = await keysOf(channel);
    const distinct = new Set(keys);
    console.log(
      `[idempotent storm] ${JSON.stringify({ published: N, entries: keys.length, distinct: distinct.size, kills, rejected })}`,
    );
    assert.ok(kills >= 5, `the connection was killed during the run (${kills})`);
    assert.equal(rejected, 0, 'no publish rejected while the server was reachable');
    assert.equal(keys.length, N, 'exactly one entry per key');
    assert.equal(distinct.size, N);
    const entryIds = new Set((await redis.client.xrange(channel, '-', '+')).map(([id]) => id));
    assert.ok(
      [...ids.values()].every((id) => entryIds.has(id)),
      'every call resolved to the id of its entry',
    );
  });
});

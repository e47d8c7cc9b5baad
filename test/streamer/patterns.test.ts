/**
 * The two patterns the library exists for, against a real redis-server: fan-out across services
 * (one group each) and load sharing between the instances of one service (one shared group).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Message, type MessageContext } from '../../src/index.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';

const redis = useRedis();

describe('fan-out and load sharing', () => {
  it('delivers every message to each of 3 services (fan-out)', async () => {
    const channel = uniqueChannel('fanout');
    const N = 300;
    const got = new Map<string, string[]>();
    const services = ['billing', 'inventory', 'analytics'];
    const runs = [];
    for (const name of services) {
      const s = redis.streamer(name);
      await s.subscribe(channel);
      s.registerHandler(channel, (_name, payload) => {
        const list = got.get(name) ?? [];
        list.push(String((payload as { i: number }).i));
        got.set(name, list);
      });
      runs.push(s.persistConsume({ blockMs: 500 }));
    }
    const publisher = redis.streamer('publisher');
    await publisher.sendMessages(
      channel,
      Array.from({ length: N }, (_, i) => new Message('order.created', { i })),
    );
    await waitFor(() => services.every((s) => (got.get(s)?.length ?? 0) >= N), 'every service got every message');
    for (const name of services) {
      const ids = got.get(name) ?? [];
      assert.equal(ids.length, N, `${name} got ${ids.length}`);
      assert.equal(new Set(ids).size, N, `${name} got duplicates`);
    }
  });

  it("shares one service's messages between its 3 instances, without duplicates", async () => {
    const channel = uniqueChannel('share');
    const N = 600;
    const perInstance = new Map<string, string[]>();
    for (let k = 0; k < 3; k++) {
      const s = redis.streamer('workers');
      await s.subscribe(channel);
      s.registerHandler(channel, async (_n, _p, ctx: MessageContext) => {
        const list = perInstance.get(ctx.consumer) ?? [];
        list.push(ctx.id);
        perInstance.set(ctx.consumer, list);
        await new Promise((r) => setTimeout(r, 1)); // let the others take their share
      });
      void s.persistConsume({ blockMs: 500, count: 8, maxCount: 8 });
    }
    await redis.streamer('publisher').sendMessages(
      channel,
      Array.from({ length: N }, (_, i) => ({ name: 'job', body: { i } })),
    );
    const total = (): number => [...perInstance.values()].reduce((a, l) => a + l.length, 0);
    await waitFor(() => total() >= N, 'all messages handled');
    const all = [...perInstance.values()].flat();
    assert.equal(all.length, N);
    assert.equal(new Set(all).size, N, 'no message was handled twice');
    assert.equal(perInstance.size, 3, 'every instance took part');
    for (const [consumer, ids] of perInstance) assert.ok(ids.length > 0, `${consumer} got none`);
  });

  it('hands messages to one consumer in stream order', async () => {
    const channel = uniqueChannel('order');
    const s = redis.streamer('ordered');
    await s.subscribe(channel);
    const seen: number[] = [];
    s.registerHandler(channel, async (_n, payload) => {
      seen.push((payload as { i: number }).i);
      if (seen.length % 7 === 0) await new Promise((r) => setTimeout(r, 2));
    });
    void s.persistConsume({ blockMs: 500 });
    const publisher = redis.streamer('publisher');
    for (let batch = 0; batch < 5; batch++) {
      await publisher.sendMessages(
        channel,
        Array.from({ length: 40 }, (_, i) => ({ name: 'n', body: { i: batch * 40 + i } })),
      );
    }
    await waitFor(() => seen.length >= 200, '200 messages');
    assert.deepEqual(
      seen,
      Array.from({ length: 200 }, (_, i) => i),
    );
  });

  it('consumes a channel subscribed after persistConsume started', async () => {
    const first = uniqueChannel('early');
    const late = uniqueChannel('late');
    const s = redis.streamer('late-subscriber');
    await s.subscribe(first);
    const got: string[] = [];
    s.registerHandler(first, (name) => void got.push(`first:${name}`));
    s.registerHandler(late, (name) => void got.push(`late:${name}`));
    void s.persistConsume({ blockMs: 300 });
    await s.subscribe(late);
    const publisher = redis.streamer('publisher');
    await publisher.sendMessage(late, { name: 'a', body: {} });
    await publisher.sendMessage(first, { name: 'b', body: {} });
    await waitFor(() => got.length >= 2, 'both channels consumed');
    assert.deepEqual(got.sort(), ['first:b', 'late:a']);
    assert.deepEqual([...(await s.getStats()).channels].sort(), [first, late].sort());
  });

  it('a restarted consumer resumes where its group stopped', async () => {
    const channel = uniqueChannel('resume');
    const publisher = redis.streamer('publisher');
    const firstRun: number[] = [];
    const a = redis.streamer('resumer');
    await a.subscribe(channel);
    a.registerHandler(channel, (_n, p) => void firstRun.push((p as { i: number }).i));
    const run = a.persistConsume({ blockMs: 300 });
    await publisher.sendMessages(
      channel,
      [0, 1, 2, 3, 4].map((i) => ({ name: 'n', body: { i } })),
    );
    await waitFor(() => firstRun.length >= 5, 'first five handled');
    await a.cleanup();
    await run;
    // Published while the service is down: the next instance gets exactly these.
    await publisher.sendMessages(
      channel,
      [5, 6, 7].map((i) => ({ name: 'n', body: { i } })),
    );
    const secondRun: number[] = [];
    const b = redis.streamer('resumer');
    await b.subscribe(channel); // the group exists: its position is kept
    b.registerHandler(channel, (_n, p) => void secondRun.push((p as { i: number }).i));
    void b.persistConsume({ blockMs: 300 });
    await publisher.sendMessage(channel, { name: 'n', body: { i: 8 } });
    await waitFor(() => secondRun.length >= 4, 'the rest handled');
    assert.deepEqual(firstRun, [0, 1, 2, 3, 4]);
    assert.deepEqual(secondRun, [5, 6, 7, 8]);
  });

  it('subscribe creates the group at $ by default and at 0-0 with startFromLatest false', async () => {
    const channel = uniqueChannel('start');
    const publisher = redis.streamer('publisher');
    await publisher.sendMessage(channel, { name: 'before', body: {} });
    const latest = redis.streamer('latest');
    const history = redis.streamer('history');
    await latest.subscribe(channel);
    await history.subscribe(channel, { startFromLatest: false });
    const seen = { latest: [] as string[], history: [] as string[] };
    latest.registerHandler(channel, (name) => void seen.latest.push(name));
    history.registerHandler(channel, (name) => void seen.history.push(name));
    void latest.persistConsume({ blockMs: 300 });
    void history.persistConsume({ blockMs: 300 });
    await publisher.sendMessage(channel, { name: 'after', body: {} });
    await waitFor(() => seen.latest.length >= 1 && seen.history.length >= 2, 'both groups consumed');
    assert.deepEqual(seen.latest, ['after']);
    assert.deepEqual(seen.history, ['before', 'after']);
  });
});

describe('concurrency and supervision', () => {
  it('handles entries in parallel up to the limit, keeping per-key order', async () => {
    const channel = uniqueChannel('concurrent');
    const s = redis.streamer('concurrent-svc');
    await s.subscribe(channel, { concurrency: 8, orderingKey: (p) => (p as { key: string }).key });
    let running = 0;
    let maxRunning = 0;
    const perKey = new Map<string, number[]>();
    s.registerHandler(channel, async (_n, p) => {
      const { key, seq } = p as { key: string; seq: number };
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 5 + (seq % 3)));
      perKey.set(key, [...(perKey.get(key) ?? []), seq]);
      running--;
    });
    void s.persistConsume({ blockMs: 300 });
    const keys = ['a', 'b', 'c', 'd', 'e'];
    await redis.streamer('pub').sendMessages(
      channel,
      Array.from({ length: 100 }, (_, i) => ({ name: 'n', body: { key: keys[i % keys.length], seq: i } })),
    );
    await waitFor(() => [...perKey.values()].reduce((a, l) => a + l.length, 0) === 100, 'all handled');
    assert.ok(maxRunning > 1 && maxRunning <= 5, `ran ${maxRunning} at once (5 keys, limit 8)`);
    for (const [key, seqs] of perKey) {
      assert.deepEqual(
        seqs,
        [...seqs].sort((x, y) => x - y),
        `key ${key} kept its order`,
      );
    }
  });

  it('restarts a channel loop that crashed, and reports it', async (t) => {
    const { ChannelConsumer } = await import('../../src/consume/channel-consumer.js');
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the instance as this
    const original = ChannelConsumer.prototype.run;
    let crashes = 0;
    t.mock.method(ChannelConsumer.prototype, 'run', async function (this: InstanceType<typeof ChannelConsumer>) {
      if (crashes++ === 0) throw new Error('simulated crash of the loop');
      return original.call(this);
    });
    const channel = uniqueChannel('crash');
    const s = redis.streamer('crash-svc');
    const errors: string[] = [];
    s.on('error', (e) => errors.push(e.message));
    await s.subscribe(channel);
    const got: string[] = [];
    s.registerHandler(channel, (name) => void got.push(name));
    void s.persistConsume({ blockMs: 300 });
    await redis.streamer('pub').sendMessage(channel, { name: 'after-restart', body: {} });
    await waitFor(() => got.length === 1, 'consumed by the restarted loop', 10_000);
    assert.ok(errors.includes('simulated crash of the loop'));
    assert.ok(errors.some((m) => m.includes('ended unexpectedly; restarting')));
  });
});

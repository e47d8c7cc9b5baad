/**
 * The behavioural tests of the library, written once and run against a {@link Topology} (one
 * server, later a Redis Cluster and Sentinel): fan-out, load sharing, both delivery guarantees,
 * retention and publishing. Register them with `conformance(topology)` from a `*.test.ts` file.
 *
 * Assertions go through `topology.client()` with single-channel commands only (XLEN, XRANGE, XADD
 * with explicit ids, XPENDING, XINFO GROUPS, XGROUP, XREADGROUP, XACK, TIME), so that they hold on a
 * cluster client too. Every streamer is cleaned up and every persistConsume() awaited after each test.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it as test } from 'node:test';
import { Message, type MessageContext, type RedisStreamer } from '../../src/index.js';
import { delay, waitFor } from '../support/harness.js';
import type { Topology } from '../support/topology.js';
import {
  addOld,
  groupOf,
  increasing,
  pendingCount,
  serverNowMs,
  streamIds,
  Streamers,
  uniqueChannel,
} from './fixture.js';

const HOUR = 3_600_000;
/** At-least-once with short timers, so that retries and sweeps happen within the test. */
const FAST = { delivery: 'at-least-once', retryBaseMs: 50, retryMaxMs: 200, claimIntervalMs: 100 } as const;

/** Registers the conformance tests for `topology` (its servers start before them and stop after). */
export function conformance(topology: Topology): void {
  // A test the topology does not model is skipped, by name, with its reason.
  const it = (name: string, fn: () => Promise<void>): void =>
    void test(name, { skip: topology.unmodelled?.[name] ?? false }, fn);
  describe(`conformance: ${topology.name}`, () => {
    const streamers = new Streamers(topology);
    const make = (service: string, options?: Parameters<Streamers['create']>[1]): RedisStreamer =>
      streamers.create(service, options);
    const consume = (s: RedisStreamer, options?: Parameters<Streamers['consume']>[1]): void =>
      streamers.consume(s, options);
    const client = (): ReturnType<Topology['client']> => topology.client();

    before(() => topology.start(), { timeout: 60_000 });
    afterEach(async () => {
      const errors = await streamers.release();
      // On a healthy topology nothing goes wrong behind the scenes: every 'error' event is a defect.
      // (A shutdown that gives up on a running handler says so: some tests do that on purpose.)
      const unexpected = errors.filter((e) => !e.includes('still being handled after shutdownTimeoutMs'));
      assert.deepEqual(unexpected, [], 'no error event on a healthy topology');
    });
    after(async () => {
      try {
        await streamers.release();
      } finally {
        await topology.stop();
      }
    });

    describe('fan-out and load sharing', () => {
      it('fan-out: two services each get every message, exactly once, in order', async () => {
        const channel = uniqueChannel('fanout');
        const N = 200;
        const got = new Map<string, Array<{ i: number; id: string }>>();
        for (const service of ['fanout-billing', 'fanout-audit']) {
          const s = make(service);
          await s.subscribe(channel, { concurrency: 1 });
          const list: Array<{ i: number; id: string }> = [];
          got.set(service, list);
          s.registerHandler(
            channel,
            (_n, payload, ctx) => void list.push({ i: (payload as { i: number }).i, id: ctx.id }),
          );
          consume(s);
        }
        const ids = await make('publisher').sendMessages(
          channel,
          Array.from({ length: N }, (_, i) => new Message('order.created', { i })),
        );
        await waitFor(() => [...got.values()].every((l) => l.length >= N), 'both services got every message');
        await delay(200); // a duplicate would arrive now
        for (const [service, list] of got) {
          assert.deepEqual(
            list.map((e) => e.i),
            Array.from({ length: N }, (_, i) => i),
            `${service}: every message once, in order`,
          );
          assert.deepEqual(
            list.map((e) => e.id),
            ids,
            `${service}: the published ids`,
          );
        }
      });

      it('load sharing: two instances of one service handle each message once, both take part', async () => {
        const channel = uniqueChannel('share');
        const N = 400;
        const perInstance = new Map<string, string[]>();
        for (let k = 0; k < 2; k++) {
          const s = make('share-workers');
          await s.subscribe(channel);
          const mine: string[] = [];
          perInstance.set(s.consumer, mine);
          s.registerHandler(channel, async (_n, _p, ctx: MessageContext) => {
            assert.equal(ctx.consumer, s.consumer);
            mine.push(ctx.id);
            await delay(1); // let the other instance take its share
          });
          consume(s, { count: 8, maxCount: 8 });
        }
        const ids = await make('publisher').sendMessages(
          channel,
          Array.from({ length: N }, (_, i) => ({ name: 'job', body: { i } })),
        );
        const total = (): number => [...perInstance.values()].reduce((a, l) => a + l.length, 0);
        await waitFor(() => total() >= N, 'every message handled');
        await delay(200);
        const all = [...perInstance.values()].flat();
        assert.equal(all.length, N, 'handled once in all');
        assert.deepEqual(new Set(all), new Set(ids), 'each published message, no other');
        for (const [consumer, mine] of perInstance) assert.ok(mine.length > 0, `${consumer} did none of the work`);
      });
    });

    describe('at-most-once', () => {
      it('dead-letters a failed entry without retrying it; after XGROUP SETID 0 only a new message is handled', async () => {
        const channel = uniqueChannel('amo');
        const s = make('amo-svc');
        await s.subscribe(channel);
        const group = groupOf(s, channel);
        const calls: string[] = [];
        s.registerHandler(channel, (name) => {
          calls.push(name);
          if (name === 'bad') throw new Error('cannot handle it');
        });
        consume(s);
        const pub = make('publisher');
        const [, badId] = await pub.sendMessages(channel, [
          { name: 'good-1', body: {} },
          { name: 'bad', body: {} },
          { name: 'good-2', body: {} },
        ]);
        const dlq = s.deadLetters(channel);
        await waitFor(async () => calls.length >= 3 && (await dlq.size()) === 1, 'handled, and one dead letter');
        const [record] = await dlq.list();
        assert.equal(record?.id, badId);
        assert.equal(record?.reason, 'handler-failed');
        assert.equal(record?.attempts, 1);
        assert.equal(record?.group, group);
        await delay(400); // a retry would come now
        assert.deepEqual(calls, ['good-1', 'bad', 'good-2'], 'the failed entry is not retried');
        assert.equal(await pendingCount(client(), channel, group), 0, 'nothing pending (NOACK reads)');

        // An operator moves the group back: the dedup guard hands out nothing twice.
        assert.equal(await client().xgroup('SETID', channel, group, '0'), 'OK');
        await pub.sendMessage(channel, { name: 'fresh', body: {} });
        await waitFor(() => calls.length >= 4, 'the new message handled');
        await delay(300);
        assert.deepEqual(calls, ['good-1', 'bad', 'good-2', 'fresh']);
        assert.equal(await dlq.size(), 1, 'nothing dead-lettered twice');
      });
    });

    describe('at-least-once', () => {
      it('retries a failing handler: attempts 1, 2, 3, handled once, acknowledged', async () => {
        const channel = uniqueChannel('alo-retry');
        const s = make('retry-svc', FAST);
        await s.subscribe(channel);
        const attempts: number[] = [];
        let handled = 0;
        s.registerHandler(channel, (_n, _p, ctx) => {
          attempts.push(ctx.attempt);
          if (ctx.attempt < 3) throw new Error(`fails on attempt ${ctx.attempt}`);
          handled++;
        });
        consume(s);
        await make('publisher').sendMessage(channel, { name: 'n', body: {} });
        await waitFor(() => handled === 1, 'handled after two retries');
        await waitFor(async () => (await pendingCount(client(), channel, groupOf(s, channel))) === 0, 'acknowledged');
        await delay(300);
        assert.deepEqual(attempts, [1, 2, 3]);
        assert.equal(handled, 1);
        assert.equal(await s.deadLetters(channel).size(), 0);
      });

      it("dead-letters after maxAttempts; replay('all') reaches only the failing service, the channel does not grow", async () => {
        const channel = uniqueChannel('alo-dlq');
        const failing = make('failing-svc', { ...FAST, maxAttempts: 3 });
        const other = make('other-svc', FAST);
        await failing.subscribe(channel);
        await other.subscribe(channel);
        let broken = true;
        const failingAttempts: number[] = [];
        const seen = { failing: 0, other: 0 };
        failing.registerHandler(channel, (_n, _p, ctx) => {
          failingAttempts.push(ctx.attempt);
          if (broken) throw new Error('card declined');
          seen.failing++;
        });
        other.registerHandler(channel, () => void seen.other++);
        consume(failing);
        consume(other);
        const id = await make('publisher').sendMessage(channel, { name: 'charge', body: { amount: 5 } });
        const dlq = failing.deadLetters(channel);
        await waitFor(
          async () => (await dlq.size()) === 1 && seen.other === 1,
          'dead-lettered, and handled by the other',
        );
        const [record] = await dlq.list();
        assert.equal(record?.id, id);
        assert.equal(record?.reason, 'max-attempts');
        assert.equal(record?.attempts, 3);
        assert.equal(record?.group, groupOf(failing, channel));
        assert.deepEqual(failingAttempts, [1, 2, 3]);
        assert.equal(await pendingCount(client(), channel, groupOf(failing, channel)), 0, 'acknowledged with the move');
        const lengthBefore = await client().xlen(channel);

        broken = false;
        const replay = await dlq.replay('all');
        assert.equal(replay.replayed, 1);
        await waitFor(() => seen.failing === 1, 'the replayed entry handled by the failing service');
        await delay(300);
        assert.deepEqual(seen, { failing: 1, other: 1 }, 'the other service did not see the replay');
        assert.equal(await client().xlen(channel), lengthBefore, 'nothing appended to the channel');
        assert.equal(await dlq.size(), 0);
      });

      it('reclaims the entries of a consumer that never comes back', async () => {
        const channel = uniqueChannel('alo-reclaim');
        const s = make('reclaim-svc', { ...FAST, claimIdleMs: 300 });
        await s.subscribe(channel);
        const group = groupOf(s, channel);
        const c = client();
        const ids = [
          await c.xadd(channel, '*', 'name', 'a', 'body', '1'),
          await c.xadd(channel, '*', 'name', 'b', 'body', '2'),
        ];
        await c.xreadgroup('GROUP', group, 'ghost-consumer', 'COUNT', 2, 'STREAMS', channel, '>');
        assert.equal(await pendingCount(c, channel, group), 2, 'two entries pending on the ghost');
        const got: Array<[string, string, number, string]> = [];
        s.registerHandler(channel, (name, _p, ctx) => void got.push([name, ctx.id, ctx.attempt, ctx.consumer]));
        consume(s);
        await waitFor(() => got.length >= 2, 'both reclaimed and handled');
        await waitFor(async () => (await pendingCount(c, channel, group)) === 0, 'acknowledged');
        await delay(200);
        assert.deepEqual(got, [
          ['a', ids[0], 2, s.consumer],
          ['b', ids[1], 2, s.consumer],
        ]);
      });

      it('hands the entries of an instance stopped mid-handler to another instance', async () => {
        const channel = uniqueChannel('alo-handover');
        const options = { ...FAST, claimIdleMs: 300, shutdownTimeoutMs: 200 };
        const first = make('handover-svc', options);
        const second = make('handover-svc', options);
        await first.subscribe(channel);
        await second.subscribe(channel);
        let release: () => void = () => {};
        const stuck = new Promise<void>((r) => (release = r));
        const handled: Array<[string, number, string]> = [];
        first.registerHandler(channel, async (name, _p, ctx) => {
          handled.push([name, ctx.attempt, 'first']);
          await stuck; // still running when its instance is stopped
        });
        consume(first);
        const id = await make('publisher').sendMessage(channel, { name: 'slow', body: {} });
        await waitFor(() => handled.length === 1, 'the first instance took the entry');
        await first.cleanup(); // gives up on the handler after shutdownTimeoutMs: the entry stays pending
        release();
        const group = groupOf(second, channel);
        assert.equal(await pendingCount(client(), channel, group), 1, 'left pending, unacknowledged');
        second.registerHandler(channel, (name, _p, ctx) => {
          assert.equal(ctx.id, id);
          handled.push([name, ctx.attempt, 'second']);
        });
        consume(second);
        await waitFor(() => handled.length >= 2, 'taken over by the second instance');
        await waitFor(async () => (await pendingCount(client(), channel, group)) === 0, 'acknowledged');
        await delay(200);
        assert.deepEqual(handled, [
          ['slow', 1, 'first'],
          ['slow', 2, 'second'],
        ]);
      });

      it('never loses an entry awaiting its retry when the group is moved back (XGROUP SETID 0)', async () => {
        const channel = uniqueChannel('alo-setid');
        const s = make('setid-svc', { ...FAST, retryBaseMs: 1500, retryMaxMs: 3000 });
        await s.subscribe(channel);
        const group = groupOf(s, channel);
        const seen: Array<[string, number]> = [];
        s.registerHandler(channel, (name, _p, ctx) => {
          seen.push([name, ctx.attempt]);
          if (name === 'A' && ctx.attempt === 1) throw new Error('A fails once');
        });
        consume(s);
        const pub = make('publisher');
        await pub.sendMessage(channel, { name: 'A', body: {} });
        await waitFor(async () => (await s.getStats()).failed === 1, 'A failed once');
        await delay(100);
        assert.deepEqual(seen, [['A', 1]], 'A awaits its retry');
        assert.equal(await pendingCount(client(), channel, group), 1, 'A is pending');

        assert.equal(await client().xgroup('SETID', channel, group, '0'), 'OK');
        await pub.sendMessage(channel, { name: 'B', body: {} });
        await waitFor(
          () => seen.some(([n]) => n === 'B') && seen.some(([n, a]) => n === 'A' && a === 2),
          'B handled, and A retried',
          8000,
        );
        await waitFor(async () => (await pendingCount(client(), channel, group)) === 0, 'both acknowledged');
        await delay(300);
        assert.deepEqual(
          seen.filter(([n]) => n === 'A'),
          [
            ['A', 1],
            ['A', 2],
          ],
          'A handled on its retry, once',
        );
        assert.deepEqual(
          seen.filter(([n]) => n === 'B'),
          [['B', 1]],
          'B handled once',
        );
      });
    });

    describe('retention', () => {
      it('trims entries older than the retention only once every group has read them; a new group is not stale', async () => {
        const channel = uniqueChannel('retention');
        // staleGroupMs far below the entries' age: only the groups' first-seen records keep them live.
        const options = { staleGroupMs: 60_000 } as const;
        const reader = make('early-reader', options);
        const late = make('late-reader', options);
        await reader.subscribe(channel, { startFromLatest: false });
        await late.subscribe(channel, { startFromLatest: false });
        const old = await addOld(client(), channel, 3 * HOUR, 5);
        const recent = (await client().xadd(channel, '*', 'name', 'new', 'body', '{}'))!;
        reader.setRetention(channel, { retentionMs: HOUR });

        let [result] = await reader.cleanupChannels();
        assert.equal(result?.removedRead, 0, 'no group has read them');
        assert.equal(result?.removedUnreadStale, 0, 'new groups (without consumers) are not stale');
        assert.deepEqual(result?.staleGroups, []);
        assert.deepEqual(await streamIds(client(), channel), [...old, recent]);

        let readByReader = 0;
        reader.registerHandler(channel, () => void readByReader++);
        consume(reader);
        await waitFor(() => readByReader >= 6, 'the early reader read all');
        [result] = await reader.cleanupChannels();
        assert.equal(result?.removedRead, 0, 'the late reader has not read them');
        assert.equal(result?.removedUnreadStale, 0);
        assert.equal(await client().xlen(channel), 6);

        let readByLate = 0;
        late.registerHandler(channel, () => void readByLate++);
        consume(late);
        await waitFor(() => readByLate >= 6, 'the late reader read all');
        [result] = await reader.cleanupChannels();
        assert.equal(result?.removedRead, 5, 'every group has read the old ones');
        assert.equal(result?.removedUnreadStale, 0);
        assert.equal(result?.removedUnreadMaxLen, 0);
        assert.deepEqual(await streamIds(client(), channel), [recent], 'the recent entry stays');
      });

      it('keeps the unread entries of a group created outside the library (first seen now)', async () => {
        const channel = uniqueChannel('retention-raw');
        const s = make('retention-svc', { staleGroupMs: 60_000 });
        await s.subscribe(channel, { startFromLatest: false });
        const c = client();
        assert.equal(await c.xgroup('CREATE', channel, 'python-svc:cg', '0-0'), 'OK'); // as dtpyfw would
        const old = await addOld(c, channel, 3 * HOUR, 4);
        let handled = 0;
        s.registerHandler(channel, () => void handled++);
        s.setRetention(channel, { retentionMs: HOUR });
        consume(s);
        await waitFor(() => handled >= 4, 'the library group read all');
        let [result] = await s.cleanupChannels();
        assert.equal(result?.removedRead, 0);
        assert.equal(result?.removedUnreadStale, 0, 'the raw group is live: first seen just now');
        assert.deepEqual(await streamIds(c, channel), old);

        await c.xreadgroup('GROUP', 'python-svc:cg', 'py-1', 'COUNT', 10, 'STREAMS', channel, '>');
        [result] = await s.cleanupChannels();
        assert.equal(result?.removedRead, 0, 'read but not acknowledged: kept');
        assert.equal(await c.xack(channel, 'python-svc:cg', ...old), 4);
        [result] = await s.cleanupChannels();
        assert.equal(result?.removedRead, 4);
        assert.equal(await c.xlen(channel), 0);
      });
    });

    describe('publishing', () => {
      it('sendMessages of 2,500 messages returns 2,500 ids in order; XLEN grows by 2,500', async () => {
        const channel = uniqueChannel('publish-batch');
        const pub = make('publisher');
        await pub.sendMessage(channel, { name: 'first', body: {} });
        const before = await client().xlen(channel);
        const N = 2500;
        const ids = await pub.sendMessages(
          channel,
          Array.from({ length: N }, (_, i) => ({ name: 'n', body: { i } })),
        );
        assert.equal(ids.length, N);
        assert.ok(increasing(ids), 'ids increase in the order of the messages');
        assert.equal(await client().xlen(channel), before + N);
        const entries = (await client().xrange(channel, '-', '+')).slice(before);
        assert.deepEqual(
          entries.map(([id]) => id),
          ids,
        );
        const bodies = entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('body') + 1]!) as { i: number });
        assert.deepEqual(
          bodies.map((b) => b.i),
          Array.from({ length: N }, (_, i) => i),
        );
      });

      it('100 concurrent sendMessage calls in one tick resolve with distinct ids in call order', async () => {
        const channel = uniqueChannel('publish-concurrent');
        const pub = make('publisher');
        await pub.sendMessage(channel, { name: 'warm-up', body: {} }); // the connection is open
        const before = await client().xlen(channel);
        const start = await serverNowMs(client());
        const ids = await Promise.all(
          Array.from({ length: 100 }, (_, i) => pub.sendMessage(channel, { name: 'n', body: { i } })),
        );
        assert.equal(new Set(ids).size, 100, 'distinct ids');
        assert.ok(increasing(ids), 'ids in call order');
        assert.ok(Number(ids[0]!.split('-')[0]) >= start - 1000, 'ids from the server clock');
        assert.equal(await client().xlen(channel), before + 100);
        const entries = (await client().xrange(channel, '-', '+')).slice(before);
        assert.deepEqual(
          entries.map(([id]) => id),
          ids,
        );
        assert.deepEqual(
          entries.map(([, f]) => (JSON.parse(f[f.indexOf('body') + 1]!) as { i: number }).i),
          Array.from({ length: 100 }, (_, i) => i),
        );
      });

      it('idempotency keys append once per key (alone, in one tick, in batches); replicas confirm where there are any', async () => {
        const channel = uniqueChannel('publish-keyed');
        const pub = make('publisher');
        const first = await pub.sendMessage(channel, { name: 'n', body: 0 }, { idempotencyKey: 'a' });
        const tick = await Promise.all([
          pub.sendMessage(channel, { name: 'n', body: 1 }, { idempotencyKey: 'a' }),
          pub.sendMessage(channel, { name: 'n', body: 2 }, { idempotencyKey: 'b' }),
          pub.sendMessage(channel, { name: 'n', body: 3 }, { idempotencyKey: 'b' }),
        ]);
        assert.equal(tick[0], first);
        assert.equal(tick[2], tick[1]);
        const batch = await pub.sendMessages(channel, [
          { name: 'n', body: 4, idempotencyKey: 'b' },
          { name: 'n', body: 5, idempotencyKey: 'c' },
          { name: 'n', body: 6, idempotencyKey: 'c' },
        ]);
        assert.deepEqual(batch, [tick[1], batch[1], batch[1]]);
        assert.equal(await client().xlen(channel), 3);
        const replicas = topology.replicas;
        const id = await pub.sendMessage(channel, { name: 'n', body: 7 }, { replicas, timeoutMs: 5000 });
        const ids = await pub.sendMessages(channel, [{ name: 'n', body: 8, idempotencyKey: 'd' }], { replicas });
        assert.ok(increasing([first, batch[1]!, id, ids[0]!]));
        assert.equal(await client().xlen(channel), 5);
      });
    });
  });
}

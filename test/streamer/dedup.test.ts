/**
 * At-most-once per group within the dedup window, with both guards: no entry reaches a group's
 * handlers twice, also after the group is deleted and re-created from 0-0; a group that vanishes
 * while consuming is re-created without skipping what was added meanwhile.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guardKey, ledgerKey } from '../../src/naming.js';
import type { GuardKind } from '../../src/index.js';
import { delay, uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { waitConnectionsOf, waitForServerTime, waitUntilWaiting } from '../support/states.js';

const redis = useRedis();

async function consumeAll(
  channel: string,
  service: string,
  guard: GuardKind,
  seen: number[],
): Promise<() => Promise<void>> {
  const s = redis.streamer(service, { dedupGuard: guard });
  await s.subscribe(channel, { startFromLatest: false });
  s.registerHandler(channel, (_n, p) => void seen.push((p as { i: number }).i));
  const run = s.persistConsume({ blockMs: 300 });
  return async () => {
    await s.cleanup();
    await run;
  };
}

for (const guard of ['watermark', 'ledger'] as const) {
  describe(`dedup guard: ${guard}`, () => {
    it('hands nothing out twice after the group is deleted and re-created from 0-0', async () => {
      const channel = uniqueChannel(`recreate-${guard}`);
      const publisher = redis.streamer('publisher');
      await publisher.sendMessages(
        channel,
        Array.from({ length: 50 }, (_, i) => ({ name: 'n', body: { i } })),
      );
      const seen: number[] = [];
      let stop = await consumeAll(channel, 'dedup-svc', guard, seen);
      await waitFor(() => seen.length >= 50, 'first pass');
      await stop();

      const group = `${channel}:dedup-svc:cg`;
      assert.equal(await redis.client.xgroup('DESTROY', channel, group), 1);
      await redis.client.xgroup('CREATE', channel, group, '0-0');
      await publisher.sendMessages(
        channel,
        Array.from({ length: 10 }, (_, i) => ({ name: 'n', body: { i: 50 + i } })),
      );

      stop = await consumeAll(channel, 'dedup-svc', guard, seen);
      await waitFor(() => seen.length >= 60, 'new messages after re-creation');
      await delay(300); // an absence: no entry arrives a second time (nothing to wait on)
      await stop();
      assert.deepEqual(
        seen,
        Array.from({ length: 60 }, (_, i) => i),
        'each entry handled exactly once',
      );
    });

    it('skips a whole batch below the mark read by a waiting loop, and the rest behind it', async () => {
      // The loop waits (XREAD BLOCK, then the guarded read in the same write) when the group is moved
      // back by 50 entries: its first read (16) is all below the mark, the other 34 are skipped by
      // moving the group forward, and only the new entry is handled.
      const channel = uniqueChannel(`batch-${guard}`);
      const publisher = redis.streamer('publisher');
      await publisher.sendMessages(
        channel,
        Array.from({ length: 50 }, (_, i) => ({ name: 'n', body: { i } })),
      );
      const seen: number[] = [];
      const s = redis.streamer('batch-svc', { dedupGuard: guard });
      await s.subscribe(channel, { startFromLatest: false });
      s.registerHandler(channel, (_n, p) => void seen.push((p as { i: number }).i));
      const run = s.persistConsume({ blockMs: 2000, count: 16, maxCount: 16 });
      await waitFor(() => seen.length >= 50, 'first pass');
      await waitUntilWaiting(redis.client, 'batch-svc');
      await redis.client.xgroup('SETID', channel, `${channel}:batch-svc:cg`, '0-0');
      await publisher.sendMessage(channel, { name: 'n', body: { i: 50 } });
      await waitFor(() => seen.length >= 51, 'the new one');
      await waitFor(async () => (await s.getStats()).deduplicated === 50, 'fifty skipped');
      await delay(300); // an absence: none of the skipped entries reaches the handler (nothing to wait on)
      assert.deepEqual(
        seen,
        Array.from({ length: 51 }, (_, i) => i),
      );
      await s.cleanup();
      await run;
    });

    it('counts the skipped entries as deduplicated', async () => {
      const channel = uniqueChannel(`count-${guard}`);
      const publisher = redis.streamer('publisher');
      await publisher.sendMessages(
        channel,
        Array.from({ length: 5 }, (_, i) => ({ name: 'n', body: { i } })),
      );
      const seen: number[] = [];
      const s = redis.streamer('count-svc', { dedupGuard: guard });
      await s.subscribe(channel, { startFromLatest: false });
      s.registerHandler(channel, (_n, p) => void seen.push((p as { i: number }).i));
      const run = s.persistConsume({ blockMs: 300 });
      await waitFor(() => seen.length >= 5, 'first pass');
      // Move the group back, as an operator would with SETID: the guard must catch it.
      await redis.client.xgroup('SETID', channel, `${channel}:count-svc:cg`, '0-0');
      await publisher.sendMessage(channel, { name: 'n', body: { i: 5 } });
      await waitFor(() => seen.length >= 6, 'the new one');
      await waitFor(async () => (await s.getStats()).deduplicated === 5, 'five skipped');
      assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
      await s.cleanup();
      await run;
    });
  });
}

describe('dedup ledgers in Redis', () => {
  it("zset: writes dtpyfw's ledger (member = entry id, score = server ms) and trims it to the window", async () => {
    const channel = uniqueChannel('ledger');
    const publisher = redis.streamer('publisher');
    const ids = await publisher.sendMessages(channel, [
      { name: 'a', body: 1 },
      { name: 'b', body: 2 },
    ]);
    const seen: string[] = [];
    const s = redis.streamer('ledger-svc', { dedupGuard: 'ledger', dedupWindowMs: 1000 });
    await s.subscribe(channel, { startFromLatest: false });
    s.registerHandler(channel, (name) => void seen.push(name));
    const run = s.persistConsume({ blockMs: 300 });
    await waitFor(() => seen.length >= 2, 'both handled');
    const key = ledgerKey(channel, `${channel}:ledger-svc:cg`);
    assert.equal(key, `stream:${channel}:group:${channel}:ledger-svc:cg:processed`);
    const members = await redis.client.zrange(key, '0', '-1', 'WITHSCORES');
    assert.deepEqual([members[0], members[2]], ids);
    const [serverSeconds] = await redis.client.time();
    const score = Number(members[1]);
    assert.ok(Math.abs(score - Number(serverSeconds) * 1000) < 5000, `score ${score} is server ms`);

    await waitForServerTime(redis.client, Number(members[3]) + 1000, 'both members older than the 1 s window');
    assert.equal(await s.maintainLedgers(), 2, 'both members are older than the 1 s window');
    assert.equal(await redis.client.zcard(key), 0);
    const stats = await s.getStats();
    assert.ok(stats.lastLedgerCleanup > 0);
    await s.cleanup();
    await run;
  });

  it('watermark: keeps one key per group, without a TTL (the first thing volatile-* eviction removes)', async () => {
    const channel = uniqueChannel('hwm');
    const publisher = redis.streamer('publisher');
    const ids = await publisher.sendMessages(
      channel,
      Array.from({ length: 100 }, (_, i) => ({ name: 'n', body: { i } })),
    );
    let count = 0;
    const s = redis.streamer('hwm-svc', { dedupWindowMs: 60_000 });
    await s.subscribe(channel, { startFromLatest: false });
    s.registerHandler(channel, () => void count++);
    const run = s.persistConsume({ blockMs: 300 });
    await waitFor(() => count >= 100, 'all handled');
    const key = guardKey(channel, `${channel}:hwm-svc:cg`);
    assert.equal(await redis.client.get(key), ids[99]);
    assert.equal(await redis.client.pttl(key), -1, 'no expiry');
    assert.equal(await redis.client.exists(ledgerKey(channel, `${channel}:hwm-svc:cg`)), 0, 'no per-entry ledger');
    await s.cleanup();
    await run;
  });

  it('watermark: a mark older than the dedup window guards nothing and is dropped', async () => {
    const channel = uniqueChannel('window');
    const publisher = redis.streamer('publisher');
    const ids = await publisher.sendMessages(
      channel,
      [1, 2, 3].map((i) => ({ name: 'n', body: { i } })),
    );
    const seen: number[] = [];
    const s = redis.streamer('window-svc', { dedupWindowMs: 500 });
    await s.subscribe(channel, { startFromLatest: false });
    s.registerHandler(channel, (_n, p) => void seen.push((p as { i: number }).i));
    const run = s.persistConsume({ blockMs: 300 });
    await waitFor(() => seen.length === 3, 'first pass');
    const lastMs = Number(ids[2]!.split('-')[0]);
    await waitForServerTime(redis.client, lastMs + 500, 'the entries (and so the mark) older than the window');
    await redis.client.xgroup('SETID', channel, `${channel}:window-svc:cg`, '0-0');
    await publisher.sendMessage(channel, { name: 'n', body: { i: 4 } });
    await waitFor(() => seen.length === 7, 'everything handled again, as the window allows');
    assert.deepEqual(seen, [1, 2, 3, 1, 2, 3, 4]);
    await s.cleanup();
    await run;
  });
});

describe('a group that disappears while consuming', () => {
  it('is re-created without skipping the entries added meanwhile', async () => {
    const channel = uniqueChannel('nogroup');
    const publisher = redis.streamer('publisher');
    const seen: number[] = [];
    const s = redis.streamer('nogroup-svc');
    await s.subscribe(channel);
    s.registerHandler(channel, (_n, p) => void seen.push((p as { i: number }).i));
    const run = s.persistConsume({ blockMs: 200, restMs: 10 });
    await publisher.sendMessage(channel, { name: 'n', body: { i: 0 } });
    await waitFor(() => seen.length >= 1, 'first');
    await redis.client.xgroup('DESTROY', channel, `${channel}:nogroup-svc:cg`);
    // Added while the group is gone: dtpyfw re-created at $ and skipped these.
    await publisher.sendMessages(
      channel,
      [1, 2, 3].map((i) => ({ name: 'n', body: { i } })),
    );
    await waitFor(() => seen.length >= 4, 'the three added meanwhile');
    await publisher.sendMessage(channel, { name: 'n', body: { i: 4 } });
    await waitFor(() => seen.length >= 5, 'one more');
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    const groups = (await redis.client.xinfo('GROUPS', channel)) as unknown[][];
    assert.equal(groups.length, 1);
    await s.cleanup();
    await run;
  });

  it('is re-created when the whole stream was deleted', async () => {
    const channel = uniqueChannel('nostream');
    const publisher = redis.streamer('publisher');
    const seen: number[] = [];
    const s = redis.streamer('nostream-svc');
    await s.subscribe(channel);
    s.registerHandler(channel, (_n, p) => void seen.push((p as { i: number }).i));
    const run = s.persistConsume({ blockMs: 200, restMs: 10 });
    await publisher.sendMessage(channel, { name: 'n', body: { i: 0 } });
    await waitFor(() => seen.length >= 1, 'first');
    await redis.client.del(channel);
    const group = `${channel}:nostream-svc:cg`;
    await waitFor(async () => {
      if ((await redis.client.exists(channel)) === 0) return false;
      const groups = (await redis.client.xinfo('GROUPS', channel)) as unknown[][];
      return groups.some((g) => g[g.indexOf('name') + 1] === group);
    }, 'the stream and its group re-created by the consumer');
    await publisher.sendMessage(channel, { name: 'n', body: { i: 1 } });
    await waitFor(() => seen.length >= 2, 'after the stream came back');
    assert.deepEqual(seen, [0, 1]);
    await s.cleanup();
    await run;
  });
});

describe('at-most-once wake-up on an empty channel', () => {
  it('a message published while the loop rests after an empty wait is handled at once, not a block later', async () => {
    // The wait times out on the empty stream; the loop rests (restMs) and waits again. It must wait
    // after the group's position: waiting after "$" would miss a message published during the rest
    // until that next wait timed out (blockMs).
    const channel = uniqueChannel('empty-wake');
    const s = redis.streamer('empty-wake-svc');
    await s.subscribe(channel);
    let handledAt = 0;
    s.registerHandler(channel, () => void (handledAt = Date.now()));
    const run = s.persistConsume({ blockMs: 1000, restMs: 400 });
    // The first wait (blocked in CLIENT LIST) times out after 1,000 ms; the loop then rests 400 ms.
    const blocked = async (): Promise<boolean> =>
      (await waitConnectionsOf(redis.client, 'empty-wake-svc')).some((c) => c.blocked);
    await waitFor(blocked, 'the first wait');
    await waitFor(async () => !(await blocked()), 'the rest after the empty wait');
    const publishedAt = Date.now();
    await redis.streamer('empty-wake-pub').sendMessage(channel, { name: 'n', body: 1 });
    await waitFor(() => handledAt > 0, 'handled', 3000);
    assert.ok(handledAt - publishedAt < 700, `handled ${handledAt - publishedAt} ms after publishing`);
    await s.cleanup();
    await run;
  });
});

/**
 * At-least-once delivery against a real redis-server: retries with backoff, dead letters after
 * maxAttempts (or at once for UnrecoverableError) with their metadata, replay, long handlers that
 * are not taken over, bad input, and nothing left pending.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnrecoverableError, type DeadLetterEvent, type MessageContext } from '../../src/index.js';
import { delay, uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { recordingLogger } from '../support/recording-logger.js';

const redis = useRedis();
const fast = { delivery: 'at-least-once', retryBaseMs: 100, retryMaxMs: 400, claimIntervalMs: 50 } as const;

async function pendingCount(channel: string, group: string): Promise<number> {
  const [count] = (await redis.client.xpending(channel, group)) as [number];
  return Number(count);
}

describe('at-least-once: retries', () => {
  it('retries a failing handler with backoff until it succeeds: handled once, attempt 3', async () => {
    const channel = uniqueChannel('retry');
    const s = redis.streamer('retry-svc', fast);
    await s.subscribe(channel);
    const attempts: number[] = [];
    const at: number[] = [];
    let handled = 0;
    s.registerHandler(channel, (_n, _p, ctx: MessageContext) => {
      attempts.push(ctx.attempt);
      at.push(Date.now());
      if (ctx.attempt < 3) throw new Error(`fails on attempt ${ctx.attempt}`);
      handled++;
    });
    void s.persistConsume({ blockMs: 300 });
    await redis.streamer('pub').sendMessage(channel, { name: 'n', body: {} });
    await waitFor(() => handled === 1, 'handled after retries');
    await delay(300); // an absence: no fourth attempt comes (nothing to wait on)
    assert.deepEqual(attempts, [1, 2, 3]);
    assert.equal(handled, 1);
    // The backoff: about 100 ms before attempt 2, about 200 ms before attempt 3 (half fixed, half jitter).
    assert.ok(at[1]! - at[0]! >= 50, `first retry after ${at[1]! - at[0]!} ms`);
    assert.ok(at[2]! - at[1]! >= 100, `second retry after ${at[2]! - at[1]!} ms`);
    await waitFor(async () => (await pendingCount(channel, `${channel}:retry-svc:cg`)) === 0, 'acknowledged');
    const stats = await s.getStats();
    assert.equal(stats.handled, 1);
    assert.equal(stats.failed, 2);
    assert.equal(stats.retried, 2);
    assert.equal(stats.deadLettered, 0);
    assert.equal(
      await redis.client.exists(`{${channel}}:retries:${channel}:retry-svc:cg`),
      0,
      'failure record cleared',
    );
  });

  it('dead-letters after maxAttempts with its metadata; replay brings it back and it is handled', async () => {
    const channel = uniqueChannel('dlq');
    const s = redis.streamer('dlq-svc', { ...fast, maxAttempts: 3 });
    const events: DeadLetterEvent[] = [];
    s.on('deadLetter', (e) => events.push(e));
    await s.subscribe(channel);
    let broken = true;
    const handled: Array<{ payload: unknown; ctx: MessageContext }> = [];
    let calls = 0;
    s.registerHandler(channel, function charge(_n, payload, ctx) {
      calls++;
      if (broken) throw new Error('card declined');
      handled.push({ payload, ctx });
    });
    void s.persistConsume({ blockMs: 300 });
    const id = await redis.streamer('pub').sendMessage(channel, { name: 'charge', body: { amount: 5 } });
    await waitFor(() => events.length === 1, 'dead-lettered');
    assert.equal(calls, 3);
    const group = `${channel}:dlq-svc:cg`;
    assert.equal(await pendingCount(channel, group), 0, 'acknowledged together with the move');
    const dlq = s.deadLetters(channel);
    const [record] = await dlq.list();
    assert.ok(record);
    assert.equal(record.id, id);
    assert.equal(record.reason, 'max-attempts');
    assert.equal(record.attempts, 3);
    assert.equal(record.error, 'charge: card declined');
    assert.match(record.stack, /card declined/);
    assert.equal(record.group, group);
    assert.equal(record.channel, channel);
    assert.equal(record.consumer, s.consumer);
    assert.ok(record.lastFailureMs >= record.firstFailureMs && record.firstFailureMs > 0);
    assert.ok(record.lastFailureMs - record.firstFailureMs >= 100, 'first and last failure are distinct times');
    assert.equal(record.name, 'charge');
    assert.deepEqual(record.body, { amount: 5 });

    broken = false;
    const replay = await dlq.replay('all');
    assert.equal(replay.replayed, 1);
    assert.equal(await dlq.size(), 0);
    await waitFor(() => handled.length === 1, 'the replayed message handled');
    assert.deepEqual(handled[0]!.payload, { amount: 5 });
    assert.equal(handled[0]!.ctx.fields['rs-replay-of'], id);
    assert.equal(handled[0]!.ctx.id, replay.ids[0]);
  });

  it('a replayed dead letter is handled only by the group that failed it', async () => {
    const channel = uniqueChannel('replay-target');
    const failing = redis.streamer('failing-svc', { ...fast, maxAttempts: 1 });
    const other = redis.streamer('other-svc', fast);
    await failing.subscribe(channel);
    await other.subscribe(channel);
    let fail = true;
    const seen = { failing: 0, other: 0 };
    failing.registerHandler(channel, () => {
      if (fail) throw new Error('no');
      seen.failing++;
    });
    other.registerHandler(channel, () => void seen.other++);
    void failing.persistConsume({ blockMs: 300 });
    void other.persistConsume({ blockMs: 300 });
    await redis.streamer('pub').sendMessage(channel, { name: 'n', body: {} });
    await waitFor(async () => (await failing.deadLetters(channel).size()) === 1 && seen.other === 1, 'one dead letter');
    fail = false;
    await failing.deadLetters(channel).replay('all');
    await waitFor(() => seen.failing === 1, 'handled by the failing group');
    await delay(300); // an absence: the other group does not get the replay (nothing to wait on)
    assert.deepEqual(seen, { failing: 1, other: 1 });
    assert.equal(await redis.client.xlen(channel), 1, 'nothing was appended to the channel');
    // A dtpyfw group (which knows nothing of replay markers) reading the channel sees only the original.
    await redis.client.xgroup('CREATE', channel, `${channel}:dtpyfw-svc:cg`, '0-0');
    const read = (await redis.client.xreadgroup(
      'GROUP',
      `${channel}:dtpyfw-svc:cg`,
      'py',
      'COUNT',
      10,
      'STREAMS',
      channel,
      '>',
    )) as Array<[string, unknown[]]>;
    assert.equal(read[0]![1].length, 1);
    assert.equal(
      await redis.client.exists(`{${channel}}:replay:${channel}:failing-svc:cg`),
      0,
      'the replay stream is gone once handled',
    );
  });

  it('dead-letters at once on UnrecoverableError', async () => {
    const channel = uniqueChannel('unrecoverable');
    const s = redis.streamer('unrec-svc', fast);
    await s.subscribe(channel);
    let calls = 0;
    s.registerHandler(channel, () => {
      calls++;
      throw new UnrecoverableError('invalid order');
    });
    void s.persistConsume({ blockMs: 300 });
    await redis.streamer('pub').sendMessage(channel, { name: 'n', body: {} });
    await waitFor(async () => (await s.deadLetters(channel).size()) === 1, 'dead-lettered');
    await delay(300); // an absence: no retry comes (nothing to wait on)
    assert.equal(calls, 1);
    const [record] = await s.deadLetters(channel).list();
    assert.equal(record?.reason, 'unrecoverable');
    assert.equal(record?.attempts, 1);
  });

  it('purges dead letters by id and all at once', async () => {
    const channel = uniqueChannel('purge');
    const s = redis.streamer('purge-svc', { ...fast, maxAttempts: 1 });
    await s.subscribe(channel);
    s.registerHandler(channel, () => {
      throw new Error('x');
    });
    void s.persistConsume({ blockMs: 300 });
    await redis.streamer('pub').sendMessages(
      channel,
      [1, 2, 3].map((i) => ({ name: 'n', body: i })),
    );
    const dlq = s.deadLetters(channel);
    await waitFor(async () => (await dlq.size()) === 3, 'three dead letters');
    const [first] = await dlq.list({ count: 1 });
    assert.equal(await dlq.purge([first!.deadLetterId]), 1);
    assert.equal(await dlq.size(), 2);
    const page = await dlq.list({ start: `(${first!.deadLetterId}`, count: 10 });
    assert.equal(page.length, 2);
    assert.equal(await dlq.purge('all'), 2);
    assert.equal(await dlq.size(), 0);
  });
});

describe('at-least-once: long handlers', () => {
  it('are not taken over by another instance while they run (lease renewal)', async () => {
    const channel = uniqueChannel('lease');
    const claimIdleMs = 300;
    let calls = 0;
    let done = 0;
    const make = async (): Promise<void> => {
      const s = redis.streamer('lease-svc', { ...fast, claimIdleMs, claimIntervalMs: 50 });
      await s.subscribe(channel);
      s.registerHandler(channel, async () => {
        calls++;
        await delay(claimIdleMs * 4); // the long handler itself
        done++;
      });
      void s.persistConsume({ blockMs: 200 });
    };
    await make();
    await make();
    await redis.streamer('pub').sendMessage(channel, { name: 'slow', body: {} });
    await waitFor(() => done === 1, 'the slow handler finished', 10_000);
    await delay(claimIdleMs * 2); // an absence: no late takeover either (nothing to wait on)
    assert.equal(calls, 1, 'handled once, not taken over mid-run');
  });

  it('are taken over when their consumer dies (entries of a dead consumer are reclaimed)', async () => {
    const channel = uniqueChannel('reclaim');
    const group = `${channel}:reclaim-svc:cg`;
    const s = redis.streamer('reclaim-svc', { ...fast, claimIdleMs: 300 });
    await s.subscribe(channel);
    // A consumer that read two entries and died.
    await redis.client.xadd(channel, '*', 'name', 'a', 'body', '1');
    await redis.client.xadd(channel, '*', 'name', 'b', 'body', '2');
    await redis.client.xreadgroup('GROUP', group, 'dead-consumer', 'COUNT', 2, 'STREAMS', channel, '>');
    const readAt = Date.now();
    const got: Array<[string, number]> = [];
    let firstAt = 0;
    s.registerHandler(channel, (name, _p, ctx) => {
      firstAt ||= Date.now();
      got.push([name, ctx.attempt]);
    });
    void s.persistConsume({ blockMs: 200 });
    await waitFor(() => got.length === 2, 'both reclaimed');
    // Not before claimIdleMs: a consumer that is merely slow keeps its entries (its lease).
    assert.ok(firstAt - readAt >= 250, `taken over after ${firstAt - readAt} ms, not before claimIdleMs (300)`);
    assert.deepEqual(got, [
      ['a', 2],
      ['b', 2],
    ]);
    assert.equal((await s.getStats()).reclaimed, 2);
    await waitFor(async () => (await pendingCount(channel, group)) === 0, 'acknowledged');
  });

  it('cleans pending entries whose stream entry was deleted', async () => {
    const channel = uniqueChannel('ghost');
    const group = `${channel}:ghost-svc:cg`;
    const s = redis.streamer('ghost-svc', { ...fast, claimIdleMs: 200 });
    await s.subscribe(channel);
    const id = await redis.client.xadd(channel, '*', 'name', 'a', 'body', '1');
    await redis.client.xreadgroup('GROUP', group, 'dead-consumer', 'COUNT', 1, 'STREAMS', channel, '>');
    await redis.client.xdel(channel, id!);
    let ran = 0;
    s.registerHandler(channel, () => void ran++);
    void s.persistConsume({ blockMs: 200 });
    await waitFor(async () => (await pendingCount(channel, group)) === 0, 'the ghost entry left the pending list');
    assert.equal(ran, 0, 'nothing was handed to the handler: the entry is gone');
    assert.equal(await s.deadLetters(channel).size(), 0, 'nor dead-lettered');
  });
});

describe('at-least-once: the server forgets its scripts', () => {
  it('loses nothing when the script cache is flushed mid-stream (two consumers)', async () => {
    const channel = uniqueChannel('flush');
    const seen = new Map<number, number>();
    for (let k = 0; k < 2; k++) {
      const s = redis.streamer('flush-svc', fast);
      await s.subscribe(channel);
      s.registerHandler(channel, (_n, p) => {
        const { i } = p as { i: number };
        seen.set(i, (seen.get(i) ?? 0) + 1);
      });
      void s.persistConsume({ blockMs: 200, count: 4, maxCount: 8 });
    }
    const pub = redis.streamer('pub');
    const N = 400;
    for (let i = 0; i < N; i += 20) {
      await pub.sendMessages(
        channel,
        Array.from({ length: 20 }, (_, k) => ({ name: 'n', body: { i: i + k } })),
      );
      if (i % 100 === 0) await redis.client.script('FLUSH');
      await delay(5); // pacing: the flushes land between batches
    }
    await waitFor(() => seen.size === N, 'every message handled');
    const group = `${channel}:flush-svc:cg`;
    await waitFor(async () => (await pendingCount(channel, group)) === 0, 'every entry acknowledged');
    assert.equal(await redis.client.xlen(`{${channel}}:dlq`), 0, 'no entry dead-lettered for a missing script');
  });
});

describe('dead-lettering, owned entries only', () => {
  it('does not move an entry that another consumer took over (and is safe to repeat)', async () => {
    const { DeadLetterer } = await import('../../src/delivery/dead-letterer.js');
    const channel = uniqueChannel('owner');
    const group = `${channel}:owner-svc:cg`;
    await redis.client.xgroup('CREATE', channel, group, '0-0', 'MKSTREAM');
    const id = (await redis.client.xadd(channel, '*', 'name', 'n', 'body', '1'))!;
    await redis.client.xreadgroup('GROUP', group, 'someone-else', 'COUNT', 1, 'STREAMS', channel, '>');
    const { RedisInstance } = await import('../../src/index.js');
    const port = new RedisInstance(redis.url).createPort('owner-test', { kind: 'command' });
    const moved: string[] = [];
    const reporter = {
      moved: (e: { deadLetterId: string }) => void moved.push(e.deadLetterId),
      dropped: () => {},
      error: () => {},
    };
    const as = (consumer: string): InstanceType<typeof DeadLetterer> =>
      new DeadLetterer(
        () => Promise.resolve(port),
        { channel, group, consumer, maxLen: undefined },
        reporter,
        new AbortController().signal,
      );
    const request = {
      entry: [id, ['name', 'n', 'body', '1']] as const,
      source: { stream: channel, failures: `{${channel}}:retries:${group}`, deleteEntries: false },
      reason: 'max-attempts' as const,
      error: new Error('x'),
      attempts: 5,
      ack: true,
    };
    assert.equal(await as('me').move(request), false, 'not moved: not mine');
    assert.equal(await as('someone-else').move(request), true);
    assert.equal(moved.length, 1);
    assert.equal(await as('someone-else').move(request), false, 'a repeat does nothing');
    assert.equal(await redis.client.xlen(`{${channel}}:dlq`), 1);
    await port.close();
  });
});

describe('replay', () => {
  it("replay('all') ends even when the replayed entries fail again at once", async () => {
    const channel = uniqueChannel('replay-loop');
    const s = redis.streamer('replay-loop-svc'); // at-most-once: failures go straight back
    await s.subscribe(channel);
    s.registerHandler(channel, () => {
      throw new Error('always');
    });
    void s.persistConsume({ blockMs: 200 });
    await redis.streamer('pub').sendMessages(
      channel,
      [1, 2, 3].map((i) => ({ name: 'n', body: i })),
    );
    const dlq = s.deadLetters(channel);
    await waitFor(async () => (await dlq.size()) === 3, 'three dead letters');
    const result = await dlq.replay('all');
    assert.equal(result.replayed, 3);
    await waitFor(async () => (await dlq.size()) === 3, 'back in the dead-letter stream');
  });
});

describe('at-least-once: bad input', () => {
  it('dead-letters undecodable entries (including a 10 MB body) and acknowledges them', async () => {
    const channel = uniqueChannel('bad');
    const s = redis.streamer('bad-svc', fast);
    await s.subscribe(channel);
    const good: number[] = [];
    s.registerHandler(channel, (_n, p) => void good.push(p as number));
    void s.persistConsume({ blockMs: 300 });
    const c = redis.client;
    await c.xadd(channel, '*', 'name', 'x', 'body', '{bad');
    await c.xadd(channel, '*', 'name', 'x', 'body', `"${'z'.repeat(10 * 1024 * 1024)}"`);
    await c.xadd(channel, '*', 'name', 'ok', 'body', '7');
    await waitFor(async () => (await s.deadLetters(channel).size()) === 2 && good.length === 1, 'two dead letters');
    const reasons = (await s.deadLetters(channel).list()).map((d) => d.reason);
    assert.deepEqual(reasons, ['invalid-json', 'too-large']);
    await waitFor(async () => (await pendingCount(channel, `${channel}:bad-svc:cg`)) === 0, 'nothing left pending');
  });
});

describe('stats', () => {
  it('report the group: lag, pending, oldest pending age, consumers, dead letters, stale groups', async () => {
    const channel = uniqueChannel('stats');
    await redis.client.xgroup('CREATE', channel, 'abandoned:cg', '0-0', 'MKSTREAM');
    // First seen two minutes ago: older than staleGroupMs, and without consumers.
    await redis.client.hset(`{${channel}}:groups`, 'abandoned:cg', String(Date.now() - 120_000));
    const s = redis.streamer('stats-svc', { ...fast, maxAttempts: 1, staleGroupMs: 60_000 });
    await s.subscribe(channel);
    let release: () => void = () => {};
    const blocked = new Promise<void>((r) => (release = r));
    s.registerHandler(channel, async (name) => {
      if (name === 'fail') throw new Error('x');
      await blocked; // keeps 'slow' pending while the stats are read
    });
    void s.persistConsume({ blockMs: 300 });
    const pub = redis.streamer('pub');
    await pub.sendMessage(channel, { name: 'fail', body: {} });
    await pub.sendMessage(channel, { name: 'slow', body: {} });
    await waitFor(async () => (await s.deadLetters(channel).size()) === 1, 'one dead letter');
    await waitFor(async () => {
      const pending = (await redis.client.xpending(channel, `${channel}:stats-svc:cg`, '-', '+', 10)) as Array<
        [string, string, number, number]
      >;
      return pending.length === 1 && pending[0]![2] >= 150;
    }, "'slow' pending for 150 ms (XPENDING idle)");
    const stats = await s.getStats();
    const c = stats.perChannel[channel]!;
    assert.equal(c.redis?.group, `${channel}:stats-svc:cg`);
    assert.equal(c.redis?.pending, 1, 'the slow one is pending');
    assert.ok((c.redis?.oldestPendingAgeMs ?? -1) >= 150, `oldest pending age ${c.redis?.oldestPendingAgeMs}`);
    assert.equal(c.redis?.lag, 0);
    assert.equal(c.redis?.consumerCount, 1);
    assert.equal(c.redis?.deadLetters, 1);
    assert.deepEqual(c.redis?.staleGroups, ['abandoned:cg']);
    assert.equal(c.deadLettered, 1);
    assert.equal(c.failed, 1);
    assert.equal(stats.delivery, 'at-least-once');
    release();
  });
});

describe('at-least-once: the group gone under a running consumer', () => {
  it('the read loop re-creates it and says so once; the reclaim sweep logs no error for it', async () => {
    const channel = uniqueChannel('group-gone');
    const logger = recordingLogger();
    const s = redis.streamer('gone', {
      logger,
      delivery: 'at-least-once',
      claimIdleMs: 20,
      claimIntervalMs: 10,
    });
    await s.subscribe(channel);
    const seen: number[] = [];
    let release = (): void => {};
    const running = new Promise<void>((resolve) => (release = resolve));
    s.registerHandler(channel, async (_name, body) => {
      seen.push(body as number);
      if (body === 1) await running; // in flight through the loss: its lease is renewed every 50 ms
    });
    const run = s.persistConsume({ blockMs: 200 });
    await s.sendMessage(channel, { name: 'n', body: 1 });
    await waitFor(() => seen.length === 1, 'the first message');
    await redis.client.del(channel); // as a Redis restarted without its data: stream and group gone
    await delay(400); // sweeps every 10 ms and lease renewals meanwhile, reads every 200 ms
    release();
    await s.sendMessage(channel, { name: 'n', body: 2 });
    await waitFor(() => seen.length === 2, 'a message after the group came back');
    await s.stopConsuming();
    await run;
    assert.ok(
      logger.messages('warn').some((m) => m === 'consumer group was missing; re-created it'),
      logger.messages('warn').join(' | '),
    );
    assert.deepEqual(
      logger.messages('error').filter((m) => m.includes('NOGROUP')),
      [],
      'the sweep and the lease renewal meeting the missing group are not errors',
    );
  });
});

/**
 * Regressions found by real use: handler failures that left no log line, an at-least-once entry
 * lost after the group was moved back, groups counted stale too early, pending entries of dead
 * consumers that held retention forever, dead letters that multiplied or grew without bound, and
 * promises of the README (same-tick coalescing, hooks, getStats with Redis down, replay results).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareIds } from '../../src/delivery/ids.js';
import { RedisStreamer, type MessageContext } from '../../src/index.js';
import { Redis } from 'ioredis';
import { delay, uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { recordingLogger } from '../support/recording-logger.js';
import { startRedis } from '../support/redis-server.js';
import { waitUntilWaiting } from '../support/states.js';

const redis = useRedis();

async function serverNowMs(): Promise<number> {
  const [s, us] = await redis.client.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

describe('handler failures are logged', () => {
  it('with channel, group, id, name, attempt and error (never the body), rate-limited', async () => {
    const channel = uniqueChannel('logged');
    const logger = recordingLogger();
    const s = redis.streamer('logged-svc', { logger });
    await s.subscribe(channel);
    s.registerHandler(channel, () => {
      throw new Error('card declined');
    });
    const run = s.persistConsume({ blockMs: 300 });
    const secret = 'body-secret-4111111111111111';
    const ids = await redis.streamer('pub').sendMessages(
      channel,
      Array.from({ length: 200 }, () => ({ name: 'charge', body: { card: secret } })),
    );
    await waitFor(async () => (await s.deadLetters(channel).size()) === 200, 'all dead-lettered');
    const failures = logger.lines.filter((l) => l.message.startsWith('handler failed'));
    assert.equal(failures.length, 1, 'a poison flood is one line per channel per 10 s');
    const [line] = failures;
    assert.equal(line?.level, 'warn');
    assert.match(line?.message ?? '', /card declined/);
    assert.deepEqual(
      { ...(line?.fields as Record<string, unknown>) },
      {
        channel,
        group: `${channel}:logged-svc:cg`,
        id: ids[0],
        name: 'charge',
        attempt: 1,
        error: 'handler#1: card declined',
      },
    );
    assert.ok(!JSON.stringify(logger.lines).includes(secret), 'the body is never logged');
    await s.cleanup();
    await run;
  });
});

describe('at-least-once after the group is moved back', () => {
  it('an entry waiting for its retry is retried, not acknowledged (XGROUP SETID 0)', async () => {
    const channel = uniqueChannel('setid');
    const s = redis.streamer('setid-svc', { delivery: 'at-least-once', retryBaseMs: 3000, claimIntervalMs: 100 });
    await s.subscribe(channel);
    const calls: Array<{ name: string; attempt: number }> = [];
    s.registerHandler(channel, (name, _p, ctx: MessageContext) => {
      calls.push({ name, attempt: ctx.attempt });
      if (name === 'A' && ctx.attempt === 1) throw new Error('first attempt fails');
    });
    const run = s.persistConsume({ blockMs: 300 });
    const pub = redis.streamer('pub');
    await pub.sendMessage(channel, { name: 'A', body: {} });
    const group = `${channel}:setid-svc:cg`;
    await waitFor(() => calls.length === 1, 'A failed once');
    await waitFor(
      async () => (await redis.client.hlen(`{${channel}}:retries:${group}`)) === 1,
      "A's failure recorded for its retry",
    );
    await redis.client.xgroup('SETID', channel, group, '0');
    await pub.sendMessage(channel, { name: 'B', body: {} });
    await waitFor(() => calls.some((c) => c.name === 'B'), 'B handled');
    await waitFor(() => calls.some((c) => c.name === 'A' && c.attempt === 2), 'A retried', 10_000);
    await waitFor(
      async () => Number(((await redis.client.xpending(channel, group)) as [number])[0]) === 0,
      'nothing left pending',
    );
    assert.equal(await redis.client.hlen(`{${channel}}:retries:${group}`), 0, 'no retry record left behind');
    assert.deepEqual(
      calls.map((c) => `${c.name}${c.attempt}`),
      ['A1', 'B1', 'A2'],
    );
    await s.cleanup();
    await run;
  });

  it('loses nothing with failures and repeated SETIDs over 2,000 messages', async () => {
    const channel = uniqueChannel('setid-run');
    const s = redis.streamer('setid-run-svc', { delivery: 'at-least-once', retryBaseMs: 50, claimIntervalMs: 50 });
    await s.subscribe(channel);
    const handled = new Set<number>();
    const failedOnce = new Set<number>();
    s.registerHandler(channel, (_n, p) => {
      const { i } = p as { i: number };
      if (i % 10 === 0 && !failedOnce.has(i)) {
        failedOnce.add(i);
        throw new Error('transient');
      }
      handled.add(i);
    });
    const run = s.persistConsume({ blockMs: 300 });
    const pub = redis.streamer('pub');
    const group = `${channel}:setid-run-svc:cg`;
    for (let batch = 0; batch < 20; batch++) {
      await pub.sendMessages(
        channel,
        Array.from({ length: 100 }, (_, k) => ({ name: 'n', body: { i: batch * 100 + k } })),
      );
      if (batch % 5 === 4) await redis.client.xgroup('SETID', channel, group, '0');
      await delay(20);
    }
    await waitFor(() => handled.size === 2000, `all 2,000 handled (have ${handled.size})`, 20_000);
    await waitFor(
      async () => Number(((await redis.client.xpending(channel, group)) as [number])[0]) === 0,
      'every entry acknowledged, the re-read ones too',
    );
    assert.equal(await s.deadLetters(channel).size(), 0, 'no entry dead-lettered');
    assert.equal((await s.getStats()).deadLettered, 0);
    await s.cleanup();
    await run;
  });
});

describe('stale groups', () => {
  it("lists neither the service's own group idle before its first message, nor a group just created", async () => {
    const channel = uniqueChannel('fresh');
    const s = redis.streamer('fresh-svc');
    await s.subscribe(channel);
    s.registerHandler(channel, () => {});
    await redis.client.xgroup('CREATE', channel, 'other-service:cg', '0-0');
    const run = s.persistConsume({ blockMs: 300 });
    await waitUntilWaiting(redis.client, 'fresh-svc');
    const stats = await s.getStats();
    assert.deepEqual(
      stats.perChannel[channel]?.redis?.staleGroups,
      [],
      `the groups: ${JSON.stringify(await redis.client.xinfo('GROUPS', channel))}`,
    );
    await s.cleanup();
    await run;
  });

  it("another service's retention keeps what a group created just now has not read", async () => {
    const channel = uniqueChannel('young');
    const now = await serverNowMs();
    for (let i = 0; i < 5; i++) await redis.client.xadd(channel, `${now - 60_000}-${i}`, 'name', 'n', 'body', '1');
    const reader = redis.streamer('young-reader');
    await reader.subscribe(channel, { startFromLatest: false }); // its group needs all five
    assert.equal(((await redis.client.xinfo('GROUPS', channel)) as unknown[]).length, 1, 'the group is there');
    const trimmer = redis.streamer('young-trimmer'); // staleGroupMs: 24 h
    trimmer.setRetention(channel, { retentionMs: 10 });
    const [result] = await trimmer.cleanupChannels();
    assert.equal(result?.removedRead, 0);
    assert.equal(result?.removedUnreadStale, 0, 'the new group is not stale before staleGroupMs');
    assert.equal(await redis.client.xlen(channel), 5);
  });

  it('entries pending on a dead consumer stop holding retention after staleGroupMs, counted as unread', async () => {
    const channel = uniqueChannel('dead-consumer');
    const group = `${channel}:py-svc:cg`;
    await redis.client.xgroup('CREATE', channel, group, '0-0', 'MKSTREAM');
    const now = await serverNowMs();
    for (let i = 0; i < 4; i++) await redis.client.xadd(channel, `${now - 60_000}-${i}`, 'name', 'n', 'body', '1');
    // A dtpyfw process read them and was killed: they stay pending on its consumer forever.
    await redis.client.xreadgroup('GROUP', group, 'py-svc.host.1.dead', 'COUNT', 10, 'STREAMS', channel, '>');
    const s = redis.streamer('trimmer', { staleGroupMs: 400 });
    s.setRetention(channel, { retentionMs: 1000 });
    const [before] = await s.cleanupChannels();
    assert.equal(before?.removedRead, 0, 'held while the consumer may be alive');
    await waitFor(async () => {
      const consumers = (await redis.client.xinfo('CONSUMERS', channel, group)) as unknown[][];
      const dead = consumers.find((c) => c[c.indexOf('name') + 1] === 'py-svc.host.1.dead')!;
      return Number(dead[dead.indexOf('idle') + 1]) > 400;
    }, 'the dead consumer idle for longer than staleGroupMs');
    await redis.client.xadd(channel, '*', 'name', 'fresh', 'body', '1'); // the group is live for new entries
    await redis.client.xreadgroup('GROUP', group, 'py-svc.host.2.alive', 'COUNT', 10, 'STREAMS', channel, '>');
    const [after] = await s.cleanupChannels();
    assert.equal(after?.removedUnreadStale, 4, 'dropped, and counted as unread');
    assert.equal((await s.getStats()).perChannel[channel]?.trimmedUnread, 4);
    assert.equal(await redis.client.xlen(channel), 1);
  });
});

describe('eviction', () => {
  it('warns once at start when the server may evict keys (the dedup mark among them)', async () => {
    const server = await startRedis({ args: ['--maxmemory-policy', 'volatile-lru'] });
    const logger = recordingLogger();
    const s = new RedisStreamer(server.url, 'evict-svc', { logger });
    const admin = new Redis(server.url);
    try {
      const channel = uniqueChannel('evict');
      await s.subscribe(channel);
      s.registerHandler(channel, () => {});
      for (let i = 0; i < 2; i++) {
        const run = s.persistConsume({ blockMs: 300 });
        await waitUntilWaiting(admin, 'evict-svc'); // connected (and checked the first time): the loop waits
        await s.stopConsuming();
        await run;
      }
      const warnings = logger.lines.filter((l) => l.level === 'warn' && l.message.includes('maxmemory-policy'));
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]?.message ?? '', /volatile-lru.*noeviction/);
    } finally {
      admin.disconnect();
      await s.cleanup();
      await server.stop();
    }
  });
});

describe('dead letters', () => {
  it('an undecodable entry replayed with three groups on the channel does not multiply', async () => {
    const channel = uniqueChannel('no-multiply');
    const services = ['a-svc', 'b-svc', 'c-svc'].map((name) => redis.streamer(name));
    const runs: Array<Promise<void>> = [];
    for (const s of services) {
      await s.subscribe(channel);
      s.registerHandler(channel, () => {});
      runs.push(s.persistConsume({ blockMs: 200 }));
    }
    await redis.client.xadd(channel, '*', 'name', 'n', 'body', '{not json');
    const dlq = services[0]!.deadLetters(channel);
    await waitFor(async () => (await dlq.size()) === 3, 'one dead letter per group');
    const first = new Set((await dlq.list()).map((d) => d.deadLetterId));
    const replay = await dlq.replay('all');
    assert.equal(replay.replayed, 3);
    await waitFor(async () => {
      const letters = await dlq.list();
      return letters.length === 3 && letters.every((d) => !first.has(d.deadLetterId));
    }, 'each group dead-letters its own copy again, once');
    await delay(500); // an absence: no further copy arrives (nothing to wait on)
    assert.equal(await dlq.size(), 3, 'still three, not nine');
    const groups = (await dlq.list()).map((d) => d.group).sort();
    assert.deepEqual(groups, services.map((s) => `${channel}:${s.service}:cg`).sort());
    for (const s of services) await s.cleanup();
    await Promise.all(runs);
  });

  it('are capped (deadLetterMaxLen) and aged (deadLetterRetentionMs), counting what is dropped', async () => {
    const channel = uniqueChannel('cap');
    const s = redis.streamer('cap-svc', { deadLetterMaxLen: 5, deadLetterRetentionMs: 60_000 });
    await s.subscribe(channel);
    s.registerHandler(channel, () => {
      throw new Error('poison');
    });
    const run = s.persistConsume({ blockMs: 200 });
    await redis.streamer('pub').sendMessages(
      channel,
      Array.from({ length: 20 }, (_, i) => ({ name: 'n', body: i })),
    );
    await waitFor(async () => (await s.getStats()).perChannel[channel]?.deadLettered === 20, 'all failed');
    assert.equal(await s.deadLetters(channel).size(), 5, 'the cap keeps the newest five');
    assert.equal((await s.getStats()).perChannel[channel]?.deadLettersDropped, 15);
    // Another channel's dead letters, one from long ago: maintenance drops it by age.
    const aged = uniqueChannel('aged');
    const old = (await serverNowMs()) - 120_000;
    await redis.client.xadd(`{${aged}}:dlq`, `${old}-0`, 'dlq-id', '1-0', 'dlq-reason', 'handler-failed');
    await redis.client.xadd(`{${aged}}:dlq`, '*', 'dlq-id', '2-0', 'dlq-reason', 'handler-failed');
    s.setRetention(aged, { retentionMs: 3_600_000 });
    const results = await s.cleanupChannels();
    assert.equal(results.find((r) => r.channel === aged)?.deadLettersDropped, 1);
    assert.equal(await redis.client.xlen(`{${aged}}:dlq`), 1);
    assert.equal((await s.getStats()).perChannel[aged]?.deadLettersDropped, 1);
    await s.cleanup();
    await run;
  });

  it("purge('all') removes the key; replay of unknown ids reports them missing", async () => {
    const channel = uniqueChannel('purge-key');
    const s = redis.streamer('purge-key-svc');
    await s.subscribe(channel);
    s.registerHandler(channel, () => {
      throw new Error('x');
    });
    const run = s.persistConsume({ blockMs: 200 });
    await redis.streamer('pub').sendMessage(channel, { name: 'n', body: 1 });
    const dlq = s.deadLetters(channel);
    await waitFor(async () => (await dlq.size()) === 1, 'dead-lettered');
    const replay = await dlq.replay(['0-1', '0-2']);
    assert.deepEqual(replay, { replayed: 0, ids: [], missing: ['0-1', '0-2'] });
    assert.equal(await dlq.purge('all'), 1);
    assert.equal(await redis.client.exists(dlq.key), 0, 'no empty stream left behind');
    await s.cleanup();
    await run;
  });
});

describe('README promises', () => {
  it('sendMessage calls made in one tick share one round trip', async () => {
    const channel = uniqueChannel('coalesce');
    const s = redis.streamer('coalesce-svc');
    await s.sendMessage(channel, { name: 'warm-up', body: 0 });
    const stat = async (): Promise<number> => {
      const info = await redis.client.info('commandstats');
      const line = /cmdstat_evalsha:calls=(\d+)/.exec(info);
      return Number(line?.[1] ?? 0);
    };
    const before = await stat();
    const ids = await Promise.all(
      Array.from({ length: 100 }, (_, i) => s.sendMessage(channel, { name: 'n', body: i })),
    );
    assert.equal(new Set(ids).size, 100);
    assert.ok(
      ids.every((id, i) => i === 0 || compareIds(ids[i - 1]!, id) < 0),
      'appended in call order',
    );
    assert.equal((await stat()) - before, 1, 'one script call for the hundred');
  });

  it('aroundHandle wraps the handlers, onFailed says whether it will retry, onDeadLetter sees the move', async () => {
    const channel = uniqueChannel('hooks');
    const order: string[] = [];
    const failed: boolean[] = [];
    const dead: string[] = [];
    const s = redis.streamer('hooks-svc', {
      delivery: 'at-least-once',
      maxAttempts: 2,
      retryBaseMs: 20,
      claimIntervalMs: 50,
      hooks: {
        aroundHandle: async (_e, next) => {
          order.push('before');
          await next().finally(() => order.push('after'));
        },
        onFailed: (e) => void failed.push(e.willRetry),
        onDeadLetter: (e) => void dead.push(e.reason),
      },
    });
    await s.subscribe(channel);
    s.registerHandler(channel, () => {
      order.push('handler');
      throw new Error('no');
    });
    const run = s.persistConsume({ blockMs: 200 });
    await redis.streamer('pub').sendMessage(channel, { name: 'n', body: {} });
    await waitFor(() => dead.length === 1, 'dead-lettered');
    assert.deepEqual(order.slice(0, 3), ['before', 'handler', 'after']);
    assert.deepEqual(failed, [true, false]);
    assert.deepEqual(dead, ['max-attempts']);
    await s.cleanup();
    await run;
  });

  it('getStats reports a Redis error per channel instead of throwing', async () => {
    const server = await startRedis();
    const s = new RedisStreamer(server.url, 'stats-down', { logger: recordingLogger() });
    const channel = uniqueChannel('stats-down');
    await s.subscribe(channel);
    await server.stop();
    const stats = await s.getStats();
    assert.equal(stats.perChannel[channel]?.redis, null);
    assert.match(stats.perChannel[channel]?.redisError ?? '', /cannot reach Redis|connection/);
    await s.cleanup();
  });

  it('logs once, at info, that a service name was sanitized', () => {
    const logger = recordingLogger();
    const s = new RedisStreamer(redis.url, 'billing service (eu)', { logger });
    assert.equal(s.service, 'billing-service-eu-');
    const lines = logger.lines.filter((l) => l.level === 'info' && l.message.includes('billing-service-eu-'));
    assert.equal(lines.length, 1);
    void s.cleanup();
  });
});

/**
 * Channel retention and consumer hygiene, by the server's clock: old entries go, entries a live
 * group has not read stay, a hard cap drops unread entries but counts and reports it, stale groups
 * stop holding retention back, idle consumers without pending entries are removed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrimmedUnreadEvent } from '../../src/index.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';

const redis = useRedis();
const HOUR = 3_600_000;

async function serverNowMs(): Promise<number> {
  const [s, us] = await redis.client.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** Adds `count` entries whose ids are `agoMs` in the past (server clock). */
async function addOld(channel: string, agoMs: number, count: number): Promise<string[]> {
  const base = (await serverNowMs()) - agoMs;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push((await redis.client.xadd(channel, `${base}-${i}`, 'name', 'old', 'body', String(i)))!);
  }
  return ids;
}

describe('retention', () => {
  it('trims entries older than the retention when every group has read them', async () => {
    const channel = uniqueChannel('age');
    await addOld(channel, 3 * HOUR, 5);
    const recent = await redis.client.xadd(channel, '*', 'name', 'new', 'body', '{}');
    const s = redis.streamer('age-svc');
    s.registerChannel(channel, { retentionMs: HOUR });
    const [result] = await s.cleanupChannels();
    assert.deepEqual(result, {
      channel,
      removedRead: 5,
      removedUnreadStale: 0,
      removedUnreadMaxLen: 0,
      staleGroups: [],
      deadLettersDropped: 0,
      retryRecordsRemoved: 0,
    });
    const left = (await redis.client.xrange(channel, '-', '+')).map(([id]) => id);
    assert.deepEqual(left, [recent]);
  });

  it('keeps old entries that a live group has not read yet, and trims them once read', async () => {
    const channel = uniqueChannel('unread');
    const s = redis.streamer('unread-svc');
    await s.subscribe(channel, { startFromLatest: false });
    const old = await addOld(channel, 3 * HOUR, 4);
    s.registerChannel(channel, { retentionMs: HOUR });
    // A consumer of the group is live (it read recently), but the entries are unread.
    await redis.client.xreadgroup('GROUP', `${channel}:unread-svc:cg`, 'someone', 'COUNT', 1, 'STREAMS', channel, '>');
    await redis.client.xack(channel, `${channel}:unread-svc:cg`, old[0]!);
    let [result] = await s.cleanupChannels();
    assert.equal(result?.removedRead, 1, 'only the read and acknowledged one');
    assert.equal(await redis.client.xlen(channel), 3);
    let handled = 0;
    s.registerHandler(channel, () => void handled++);
    const run = s.persistConsume({ blockMs: 200, cleanupIntervalMs: 60_000 });
    await waitFor(() => handled >= 3, 'the rest handled');
    await s.stopConsuming();
    await run;
    // The run's own first maintenance pass may have trimmed them already (it starts with the run).
    [result] = await s.cleanupChannels();
    assert.ok((result?.removedRead ?? -1) <= 3);
    assert.equal(await redis.client.xlen(channel), 0, 'read entries older than the retention are trimmed');
  });

  it('keeps unacknowledged (pending) entries', async () => {
    const channel = uniqueChannel('pending');
    const group = `${channel}:pending-svc:cg`;
    await redis.client.xgroup('CREATE', channel, group, '0-0', 'MKSTREAM');
    const old = await addOld(channel, 3 * HOUR, 3);
    await redis.client.xreadgroup('GROUP', group, 'worker', 'COUNT', 3, 'STREAMS', channel, '>');
    await redis.client.xack(channel, group, old[0]!);
    const s = redis.streamer('pending-svc');
    s.registerChannel(channel, { retentionMs: HOUR });
    const [result] = await s.cleanupChannels();
    assert.equal(result?.removedRead, 1);
    assert.deepEqual(
      (await redis.client.xrange(channel, '-', '+')).map(([id]) => id),
      old.slice(1),
    );
  });

  it('lets a stale group (no live consumer) stop holding retention back, and reports it', async () => {
    const channel = uniqueChannel('stale');
    await redis.client.xgroup('CREATE', channel, 'abandoned:cg', '0-0', 'MKSTREAM');
    await redis.client.hset(`{${channel}}:groups`, 'abandoned:cg', String(Date.now() - 2 * HOUR)); // first seen 2 h ago
    await addOld(channel, 3 * HOUR, 4);
    const events: TrimmedUnreadEvent[] = [];
    const s = redis.streamer('stale-svc', { staleGroupMs: HOUR });
    s.on('trimmedUnread', (e) => events.push(e));
    s.registerChannel(channel, { retentionMs: HOUR });
    const [result] = await s.cleanupChannels();
    assert.equal(result?.removedUnreadStale, 4);
    assert.deepEqual(result?.staleGroups, ['abandoned:cg']);
    assert.deepEqual(events, [
      { channel, removedUnreadStale: 4, removedUnreadMaxLen: 0, staleGroups: ['abandoned:cg'] },
    ]);
    // The maintenance loop of persistConsume does the same:
    await addOld(channel, 2 * HOUR, 2);
    const run = s.persistConsume({ cleanupIntervalMs: 60_000 });
    await waitFor(() => events.length >= 2, 'trimmedUnread event from the loop');
    assert.equal(events[1]?.removedUnreadStale, 2);
    assert.equal((await s.getStats()).perChannel[channel]?.trimmedUnread, 6);
    await s.stopConsuming();
    await run;
  });

  it('applies maxLen to unread entries too, counting what it dropped', async () => {
    const channel = uniqueChannel('cap');
    const group = `${channel}:cap-svc:cg`;
    await redis.client.xgroup('CREATE', channel, group, '0-0', 'MKSTREAM');
    for (let i = 0; i < 30; i++) await redis.client.xadd(channel, '*', 'name', 'n', 'body', String(i));
    // A live consumer that has read (and not yet acknowledged) the first entry: the group needs all 30.
    await redis.client.xreadgroup('GROUP', group, 'live', 'COUNT', 1, 'STREAMS', channel, '>');
    const s = redis.streamer('cap-svc');
    const events: TrimmedUnreadEvent[] = [];
    s.on('trimmedUnread', (e) => events.push(e));
    s.registerChannel(channel, { retentionMs: HOUR, maxLen: 10 });
    const [result] = await s.cleanupChannels();
    assert.equal(result?.removedUnreadMaxLen, 20);
    assert.deepEqual(events, [{ channel, removedUnreadStale: 0, removedUnreadMaxLen: 20, staleGroups: [] }]);
    assert.equal((await s.getStats()).perChannel[channel]?.trimmedUnread, 20);
    assert.equal(await redis.client.xlen(channel), 10);
    const bodies = (await redis.client.xrange(channel, '-', '+')).map(([, f]) => f[3]);
    assert.deepEqual(
      bodies,
      Array.from({ length: 10 }, (_, i) => String(20 + i)),
      'the newest ten remain',
    );
  });
});

describe('consumer hygiene', () => {
  it('removes idle consumers that own nothing, never one with pending entries', async () => {
    const channel = uniqueChannel('hygiene');
    const s = redis.streamer('hygiene-svc', { consumerIdleMs: 200 });
    await s.subscribe(channel);
    const group = `${channel}:hygiene-svc:cg`;
    await redis.client.xadd(channel, '*', 'name', 'n', 'body', '{}');
    await redis.client.xreadgroup('GROUP', group, 'dead-with-pending', 'COUNT', 1, 'STREAMS', channel, '>');
    await redis.client.xreadgroup('GROUP', group, 'dead-idle', 'COUNT', 1, 'STREAMS', channel, '>');
    await waitFor(async () => {
      const consumers = (await redis.client.xinfo('CONSUMERS', channel, group)) as unknown[][];
      return consumers.every((c) => Number(c[c.indexOf('idle') + 1]) > 200);
    }, 'both consumers idle for longer than consumerIdleMs');
    await s.cleanupChannels();
    const consumers = ((await redis.client.xinfo('CONSUMERS', channel, group)) as string[][]).map((c) => c[1]);
    assert.deepEqual(consumers, ['dead-with-pending']);
  });
});

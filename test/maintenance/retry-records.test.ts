/**
 * At-least-once failure records of a destroyed group: the group's pending list is gone, so its
 * entries waiting for a retry are lost to it and their records (`{channel}:retries:<group>`) would
 * stay forever. Maintenance removes them, counts them and logs them; a live group's records stay,
 * and a group re-created with the same name keeps working (its dedup mark stays within the window).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { aclRules, RedisInstance, RedisStreamer, silentLogger } from '../../src/index.js';
import { groupsKey, guardKey, retryKey } from '../../src/naming.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { recordingLogger } from '../support/recording-logger.js';
import { waitForServerTime } from '../support/states.js';

const redis = useRedis();
const failing = {
  delivery: 'at-least-once',
  retryBaseMs: 60_000, // the records stay while the test runs
  retryMaxMs: 60_000,
  claimIntervalMs: 50,
} as const;

const own: RedisStreamer[] = [];
after(async () => {
  await Promise.all(own.map((s) => s.cleanup()));
});

/** A streamer logged in as a least-privilege consumer of `channel` (aclRules), so maintenance runs with those rights. */
async function aclStreamer(channel: string, service: string, options: object): Promise<RedisStreamer> {
  const user = `${service}-${channel}`;
  const rules = aclRules({ role: 'consumer', channels: [channel] });
  await redis.client.call('ACL', 'SETUSER', user, 'reset', 'on', '>pw', ...rules);
  const port = redis.server?.port ?? Number(new URL(redis.url).port);
  const s = new RedisStreamer(new RedisInstance({ port, username: user, password: 'pw' }), service, {
    logger: silentLogger,
    ...options,
  });
  own.push(s);
  return s;
}

/** A consuming service whose handler fails on `fails` messages (their retry is a minute away). */
async function failingService(
  channel: string,
  service: string,
  handled: string[],
  asAclUser = false,
): Promise<{ s: RedisStreamer; run: Promise<void> }> {
  const s = asAclUser ? await aclStreamer(channel, service, failing) : redis.streamer(service, failing);
  await s.subscribe(channel, { startFromLatest: false });
  s.registerHandler(channel, (name) => {
    if (name === 'fails') throw new Error('not now');
    handled.push(name);
  });
  return { s, run: s.persistConsume({ blockMs: 200 }) };
}

async function records(channel: string, service: string): Promise<number> {
  return redis.client.hlen(retryKey(channel, `${channel}:${service}:cg`));
}

describe('failure records of a destroyed group', () => {
  it('are removed by maintenance and counted; a live group keeps its records; a re-created group works', async () => {
    const channel = uniqueChannel('destroyed');
    const publisher = redis.streamer('pub');
    const handled: string[] = [];
    const doomed = await failingService(channel, 'doomed-svc', handled);
    const live = await failingService(channel, 'live-svc', [], true);
    const errors: unknown[] = [];
    live.s.on('error', (e) => errors.push(e));
    await publisher.sendMessages(
      channel,
      [1, 2, 3].map(() => ({ name: 'fails', body: {} })),
    );
    await waitFor(
      async () => (await records(channel, 'doomed-svc')) === 3 && (await records(channel, 'live-svc')) === 3,
      'three failures waiting for a retry in each group',
    );

    // Destroyed while consuming: the consumer re-creates it (at its dedup mark); the pending list is gone.
    const group = `${channel}:doomed-svc:cg`;
    await redis.client.xgroup('DESTROY', channel, group);
    await publisher.sendMessage(channel, { name: 'works', body: {} });
    await waitFor(() => handled.includes('works'), 'the re-created group handles new entries');
    assert.equal(await records(channel, 'doomed-svc'), 3, 'left behind before maintenance');

    const [result] = await doomed.s.cleanupChannels();
    assert.equal(result?.channel, channel);
    assert.equal(result.retryRecordsRemoved, 3);
    assert.equal((await doomed.s.getStats()).perChannel[channel]?.retryRecordsRemoved, 3);
    assert.equal(await redis.client.exists(retryKey(channel, group)), 0);
    assert.equal(await records(channel, 'live-svc'), 3, "the live group's records are untouched");
    const [again] = await live.s.cleanupChannels();
    assert.equal(again?.retryRecordsRemoved, 0);
    assert.equal(await records(channel, 'live-svc'), 3);
    assert.deepEqual(errors, [], 'no right missing for maintenance (HSCAN of its records)');
    assert.deepEqual(handled, ['works'], 'the lost entries are not handled again by the re-created group');
    await doomed.s.cleanup();
    await live.s.cleanup();
    await Promise.all([doomed.run, live.run]);
  });

  it('of a group destroyed for good are removed by another service; its mark goes once older than the window', async () => {
    const channel = uniqueChannel('gone');
    const publisher = redis.streamer('pub');
    const retired = await failingService(channel, 'retired-svc', []);
    await publisher.sendMessages(
      channel,
      [1, 2].map(() => ({ name: 'fails', body: {} })),
    );
    await waitFor(async () => (await records(channel, 'retired-svc')) === 2, 'two failures waiting for a retry');
    await retired.s.cleanup();
    await retired.run;
    const group = `${channel}:retired-svc:cg`;
    await redis.client.xgroup('DESTROY', channel, group);

    // Another service on the channel, as a least-privilege ACL user, runs maintenance.
    const logger = recordingLogger();
    const other = await aclStreamer(channel, 'other-svc', { logger, dedupWindowMs: 1000 });
    const errors: unknown[] = [];
    await other.subscribe(channel);
    other.on('error', (e) => errors.push(e));
    const [result] = await other.cleanupChannels();
    assert.equal(result?.retryRecordsRemoved, 2);
    assert.equal((await other.getStats()).perChannel[channel]?.retryRecordsRemoved, 2);
    assert.equal(await redis.client.exists(retryKey(channel, group)), 0);
    const logged = logger.at('warn').find((w) => /failure records removed/.test(w.message));
    assert.deepEqual(logged?.fields, { channel, group, count: 2 });
    assert.deepEqual(errors, []);
    // The mark is newer than the window (1 s): kept, and the group still listed so it comes back for it.
    assert.notEqual(await redis.client.get(guardKey(channel, group)), null);
    assert.notEqual(await redis.client.hget(groupsKey(channel), group), null);
    const mark = (await redis.client.get(guardKey(channel, group)))!;
    await waitForServerTime(redis.client, Number(mark.split('-')[0]) + 1000, 'the mark older than the window');
    const [later] = await other.cleanupChannels();
    assert.equal(later?.retryRecordsRemoved, 0);
    assert.equal(await redis.client.get(guardKey(channel, group)), null, 'older than the window: dropped');
    assert.equal(await redis.client.hget(groupsKey(channel), group), null, 'forgotten');
  });
});

/**
 * dtpyfw's ledger in a group shared with dtpyfw processes (`dedupGuard: 'ledger'`): every entry the
 * library handles is in it, whatever path brought it (a fresh read, a retry, a reclaim from a dead
 * consumer, a replayed dead letter), so that a dtpyfw process of the group never handles it again
 * after the group is moved back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnrecoverableError, type DeadLetterEvent, type MessageContext } from '../../src/index.js';
import { ledgerKey } from '../../src/naming.js';
import { dtpyfwRead } from '../support/dtpyfw-model.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';

const redis = useRedis();

type Path = 'fresh' | 'reclaim' | 'retry' | 'handover' | 'replay';

/** Ids of the channel's entries by the path they are meant to be handled by, in stream order. */
async function publish(channel: string, path: Path, n: number): Promise<string[]> {
  const bodies = Array.from({ length: n }, (_, i) => ({ name: path, body: { i } }));
  return redis.streamer('pub').sendMessages(channel, bodies);
}

describe("dtpyfw's ledger, whatever path brought the entry", () => {
  it('at-least-once: a dtpyfw reader skips every entry handled fresh, after a reclaim, a retry or a replay', async () => {
    const channel = uniqueChannel('ledger-paths');
    const service = 'mixed-svc';
    const group = `${channel}:${service}:cg`;
    const ids: Record<Path, string[]> = { fresh: [], reclaim: [], retry: [], handover: [], replay: [] };

    // Before the switch to the ledger: the service ran with the watermark guard. Its failures wait
    // for a retry ('handover') or sit in the dead-letter stream ('replay').
    const before = redis.streamer(service, {
      delivery: 'at-least-once',
      retryBaseMs: 1000,
      retryMaxMs: 1000,
      claimIntervalMs: 50,
    });
    await before.subscribe(channel, { startFromLatest: false });
    before.registerHandler(channel, (name) => {
      throw name === 'replay' ? new UnrecoverableError('poison') : new Error('not yet');
    });
    const beforeRun = before.persistConsume({ blockMs: 200 });
    ids.handover = await publish(channel, 'handover', 3);
    ids.replay = await publish(channel, 'replay', 3);
    await waitFor(async () => {
      const stats = await before.getStats();
      return stats.failed >= 6 && stats.deadLettered === 3;
    }, 'the first attempts failed');
    await before.cleanup();
    await beforeRun;

    // A dtpyfw process of the group reads entries and is killed before it writes its ledger.
    ids.reclaim = await publish(channel, 'reclaim', 3);
    ids.retry = await publish(channel, 'retry', 3);
    const orphans = await dtpyfwRead(redis.client, channel, group, 'py.host.1.deadbeef', 6, true);
    assert.deepEqual(orphans.handled, [...ids.reclaim, ...ids.retry]);

    // With the ledger.
    const s = redis.streamer(service, {
      delivery: 'at-least-once',
      dedupGuard: 'ledger',
      retryBaseMs: 100,
      retryMaxMs: 200,
      claimIdleMs: 300,
      claimIntervalMs: 50,
    });
    await s.subscribe(channel, { startFromLatest: false });
    const handled = new Map<string, { path: string; attempt: number; source: string }>();
    s.registerHandler(channel, (name, _payload, ctx: MessageContext) => {
      // A 'retry' entry fails on its first attempt here: it is retried by this consumer.
      if (name === 'retry' && ctx.attempt === 2) throw new Error('once more');
      handled.set(ctx.fields['rs-replay-of'] ?? ctx.id, { path: name, attempt: ctx.attempt, source: ctx.source });
    });
    const run = s.persistConsume({ blockMs: 200 });
    ids.fresh = await publish(channel, 'fresh', 3);
    await waitFor(() => handled.size === 12, 'fresh, reclaimed, retried and handed-over entries handled');
    const replay = await s.deadLetters(channel).replay('all');
    assert.equal(replay.replayed, 3);
    await waitFor(() => handled.size === 15, 'the replayed dead letters handled');
    const stats = await s.getStats();
    await s.cleanup();
    await run;

    for (const id of ids.retry) assert.equal(handled.get(id)?.attempt, 3, 'retried by this consumer');
    for (const id of ids.replay) assert.equal(handled.get(id)?.source, 'replay');
    assert.ok(stats.retried >= 3 && stats.reclaimed >= 9, `retried ${stats.retried}, reclaimed ${stats.reclaimed}`);

    // The group is moved back: a dtpyfw process must skip every entry the library handled.
    await redis.client.xgroup('SETID', channel, group, '0-0');
    const again = await dtpyfwRead(redis.client, channel, group, 'py.host.2.cafebabe', 100);
    const byPath = Object.fromEntries(
      (Object.keys(ids) as Path[]).map((p) => [p, ids[p].filter((id) => again.handled.includes(id))]),
    );
    assert.deepEqual(byPath, { fresh: [], reclaim: [], retry: [], handover: [], replay: [] });
    assert.equal(again.skipped.length, 15);
    assert.equal(await redis.client.zcard(ledgerKey(channel, group)), 15);
  });

  it('at-most-once: a dead letter replayed twice is recorded under its original id', async () => {
    const channel = uniqueChannel('ledger-replay');
    const service = 'replay-svc';
    const group = `${channel}:${service}:cg`;
    // Dead-lettered before the switch to the ledger (the watermark guard writes no ledger).
    const before = redis.streamer(service);
    await before.subscribe(channel, { startFromLatest: false });
    before.registerHandler(channel, () => {
      throw new Error('down');
    });
    const beforeRun = before.persistConsume({ blockMs: 200 });
    const ids = await publish(channel, 'replay', 3);
    await waitFor(async () => (await before.getStats()).deadLettered === 3, 'dead-lettered');
    await before.cleanup();
    await beforeRun;

    const s = redis.streamer(service, { dedupGuard: 'ledger' });
    const events: DeadLetterEvent[] = [];
    s.on('deadLetter', (e) => events.push(e));
    await s.subscribe(channel, { startFromLatest: false });
    const handled: string[] = [];
    let failures = 0;
    s.registerHandler(channel, (_n, _p, ctx: MessageContext) => {
      // The first replay fails again: dead-lettered from the replay stream, then replayed again.
      if (failures++ < 3) throw new Error('still down');
      handled.push(ctx.fields['rs-replay-of'] ?? '');
    });
    const run = s.persistConsume({ blockMs: 200 });
    assert.equal((await s.deadLetters(channel).replay('all')).replayed, 3);
    await waitFor(async () => (await s.getStats()).deadLettered === 3, 'dead-lettered again');
    assert.deepEqual(
      (await s.deadLetters(channel).list()).map((d) => d.id),
      ids,
      'the dead letters of the replays name the original ids',
    );
    assert.deepEqual(
      events.map((e) => e.id),
      ids,
      'so do the deadLetter events',
    );
    assert.equal((await s.deadLetters(channel).replay('all')).replayed, 3);
    await waitFor(() => handled.length === 3, 'handled on the second replay');
    await s.cleanup();
    await run;
    assert.deepEqual(handled, ids, 'rs-replay-of is the original id, also after a second replay');

    await redis.client.xgroup('SETID', channel, group, '0-0');
    const again = await dtpyfwRead(redis.client, channel, group, 'py.host.3.0badf00d', 100);
    assert.deepEqual(again, { handled: [], skipped: ids });
  });
});

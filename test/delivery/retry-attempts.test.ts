/**
 * Attempts are counted by runs of the handler, not by how often the sweep looked at an entry: a
 * retry that runs longer than the sweep interval is not claimed again under its handler (which
 * raised Redis's delivery count and dead-lettered entries after fewer runs than maxAttempts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeadLetterEvent, MessageContext } from '../../src/index.js';
import { delay, uniqueChannel, useRedis, waitFor } from '../support/harness.js';

const redis = useRedis();

async function deliveriesOf(channel: string, group: string): Promise<number[]> {
  const rows = (await redis.client.xpending(channel, group, '-', '+', 10)) as Array<[string, string, number, number]>;
  return rows.filter((r) => r[1] !== 'other-instance').map((r) => Number(r[3]));
}

describe('at-least-once: attempts', () => {
  it('a slow retry is not claimed again while it runs: maxAttempts runs before a dead letter', async () => {
    const channel = uniqueChannel('slow-retry');
    const group = `${channel}:slow-retry-svc:cg`;
    const s = redis.streamer('slow-retry-svc', {
      delivery: 'at-least-once',
      maxAttempts: 3,
      retryBaseMs: 60,
      retryMaxMs: 60,
      claimIntervalMs: 15,
    });
    const deadLetters: DeadLetterEvent[] = [];
    s.on('deadLetter', (e) => deadLetters.push(e));
    await s.subscribe(channel);
    const attempts: number[] = [];
    const countsDuringRuns: number[][] = [];
    s.registerHandler(channel, async (_n, _p, ctx: MessageContext) => {
      attempts.push(ctx.attempt);
      if (ctx.attempt === 2) {
        await delay(400); // many sweep intervals
        countsDuringRuns.push(await deliveriesOf(channel, group));
      }
      if (ctx.attempt < 3) throw new Error(`fails on attempt ${ctx.attempt}`);
    });
    // Another consumer of the group holds an entry, so the sweep runs every claimIntervalMs.
    const pub = redis.streamer('pub');
    await pub.sendMessage(channel, { name: 'held', body: {} });
    await redis.client.xreadgroup('GROUP', group, 'other-instance', 'COUNT', 1, 'STREAMS', channel, '>');
    void s.persistConsume({ blockMs: 200 });
    await pub.sendMessage(channel, { name: 'n', body: {} });
    await waitFor(() => attempts.includes(3) || deadLetters.length > 0, 'third attempt or a dead letter');
    assert.deepEqual(deadLetters, [], 'no dead letter before the third run');
    assert.deepEqual(attempts, [1, 2, 3]);
    assert.deepEqual(countsDuringRuns, [[2]], 'Redis counted two deliveries while the second run ran');
    await waitFor(async () => (await deliveriesOf(channel, group)).length === 0, 'acknowledged');
    const stats = await s.getStats();
    assert.equal(stats.failed, 2);
    assert.equal(stats.handled, 1);
    assert.equal(stats.deadLettered, 0);
  });
});

/**
 * Fault test: consumer processes killed with SIGKILL mid-stream, then restarted.
 * - at-least-once: nothing is lost;
 * - at-most-once: nothing is handled twice.
 * Each test prints its figures: sent, handled, lost, duplicated.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RedisStreamer, silentLogger } from '../../src/index.js';
import { delay, uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { killHard, startChild, stopGently, type Child } from '../support/processes.js';

const redis = useRedis();
const WORKER = 'test/support/worker.ts';

interface Figures {
  sent: number;
  handled: number;
  lost: number;
  duplicated: number;
}

async function figures(results: string, sent: number): Promise<Figures> {
  const counts = Object.values(await redis.client.hgetall(results)).map(Number);
  const handled = counts.length;
  return { sent, handled, lost: sent - handled, duplicated: counts.reduce((a, n) => a + n, 0) - handled };
}

async function publishOverTime(channel: string, total: number, batches: number, gapMs: number): Promise<void> {
  const publisher = new RedisStreamer(redis.url, 'fault-publisher', { logger: silentLogger });
  const per = total / batches;
  for (let b = 0; b < batches; b++) {
    await publisher.sendMessages(
      channel,
      Array.from({ length: per }, (_, k) => ({ name: 'n', body: { i: b * per + k } })),
    );
    await delay(gapMs); // the publishing pace
  }
  await publisher.cleanup();
}

describe('consumer processes killed with SIGKILL', () => {
  it('at-least-once: lost 0 with 3 consumers, one killed and restarted several times', async () => {
    const channel = uniqueChannel('kill-alo');
    const results = `results:${channel}`;
    const args = (): string[] => [
      redis.url,
      channel,
      'kill-alo-svc',
      'at-least-once',
      results,
      JSON.stringify({ handlerMs: 2, claimIdleMs: 1000 }),
    ];
    const workers: Child[] = [];
    for (let k = 0; k < 3; k++) workers.push(await startChild(WORKER, args()));
    const N = 3000;
    const publishing = publishOverTime(channel, N, 30, 50);
    for (let round = 0; round < 3; round++) {
      await delay(400); // the kill schedule, while publishing goes on
      const victim = round % 3;
      await killHard(workers[victim]!);
      await delay(200); // down for a while before it comes back
      workers[victim] = await startChild(WORKER, args());
    }
    await publishing;
    await waitFor(async () => (await redis.client.hlen(results)) >= N, 'every message handled', 30_000);
    const f = await figures(results, N);
    console.log(`[kill at-least-once] ${JSON.stringify(f)}`);
    // The survivors settle everything: nothing stays pending on the killed consumers, nothing failed.
    const group = `${channel}:kill-alo-svc:cg`;
    await waitFor(
      async () => Number(((await redis.client.xpending(channel, group)) as [number])[0]) === 0,
      'nothing left pending on the killed consumers',
      15_000,
    );
    for (const w of workers) await stopGently(w);
    assert.equal(await redis.client.xlen(`{${channel}}:dlq`), 0, 'nothing dead-lettered');
    // At most what the killed processes had in flight is handled twice: three kills, a batch each.
    assert.ok(f.duplicated <= 3 * 64, `duplicated ${f.duplicated}`);
  });

  it('at-most-once: duplicated 0 with 2 consumers, one killed and restarted several times', async () => {
    const channel = uniqueChannel('kill-amo');
    const results = `results:${channel}`;
    const args = (): string[] => [
      redis.url,
      channel,
      'kill-amo-svc',
      'at-most-once',
      results,
      JSON.stringify({ handlerMs: 2 }),
    ];
    const workers: Child[] = [await startChild(WORKER, args()), await startChild(WORKER, args())];
    const N = 2000;
    const publishing = publishOverTime(channel, N, 20, 50);
    for (let round = 0; round < 3; round++) {
      await delay(300); // the kill schedule, while publishing goes on
      await killHard(workers[0]!);
      workers[0] = await startChild(WORKER, args());
    }
    await publishing;
    // Wait until the group has handed out everything, then stop the workers gently: each finishes
    // (and records) what it has read before it exits, so the figures are final.
    await waitFor(
      async () => {
        const groups = (await redis.client.xinfo('GROUPS', channel)) as unknown[][];
        const g = groups[0]!;
        return g[g.indexOf('lag') + 1] === 0;
      },
      'the group read everything',
      30_000,
    );
    for (const w of workers) await stopGently(w);
    const f = await figures(results, N);
    console.log(`[kill at-most-once] ${JSON.stringify(f)}`);
    assert.equal(f.duplicated, 0);
    // What a kill may lose: the batches the killed process had read, at most two of maxCount (64).
    assert.ok(f.lost <= 3 * 2 * 64, `lost ${f.lost}, more than the batches in memory at the kills`);
  });
});

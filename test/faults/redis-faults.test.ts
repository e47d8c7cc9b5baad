/**
 * Fault tests on the Redis side, at-least-once:
 * - the server killed and restarted (AOF on) during the run: lost 0, consumption resumes within
 *   2 s of the server being back;
 * - the consumers' blocking connections killed with CLIENT KILL again and again: lost 0, and no
 *   loop stays stuck longer than the block time plus the watchdog grace.
 * Each prints its figures.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { RedisStreamer } from '../../src/index.js';
import { delay, needsPrivateServer, uniqueChannel, useRedis, waitFor } from '../support/harness.js';

const redis = useRedis({ appendOnly: true });

/** At-least-once with fast reclaim and retries, and no dead-lettering: every message must get through. */
/** Whether the group has nothing pending and the channel no dead letter. */
async function settled(channel: string, group: string): Promise<boolean> {
  const [pending] = (await redis.client.xpending(channel, group)) as [number];
  return Number(pending) === 0 && (await redis.client.xlen(`{${channel}}:dlq`)) === 0;
}

const RESILIENT = {
  delivery: 'at-least-once',
  claimIdleMs: 1000,
  claimIntervalMs: 100,
  retryBaseMs: 100,
  maxAttempts: 1000,
} as const;

/** Publishes message `i`, retrying while Redis is unreachable (the test's producer must not lose any). */
async function publishSurely(publisher: RedisStreamer, channel: string, i: number): Promise<void> {
  for (;;) {
    try {
      await publisher.sendMessage(channel, { name: 'n', body: { i } });
      return;
    } catch {
      await delay(50); // the retry pace
    }
  }
}

describe('Redis faults (at-least-once)', { skip: needsPrivateServer }, () => {
  it('server restart with AOF: lost 0, resumes within 2 s of the server being back', async (t) => {
    if (redis.server === undefined) {
      t.skip('needs a private redis-server');
      return;
    }
    const server = redis.server;
    const channel = uniqueChannel('restart');
    const handled = new Map<number, number>();
    const handledAt: number[] = [];
    const consumers: RedisStreamer[] = [];
    const noticed = new Set<RedisStreamer>();
    for (let k = 0; k < 2; k++) {
      const s = redis.streamer('restart-svc', RESILIENT);
      s.on('reconnect', () => noticed.add(s));
      await s.subscribe(channel, { startFromLatest: false });
      s.registerHandler(channel, (_n, p) => {
        const { i } = p as { i: number };
        handled.set(i, (handled.get(i) ?? 0) + 1);
        handledAt.push(Date.now());
      });
      void s.persistConsume({ blockMs: 1000 });
      consumers.push(s);
    }
    const publisher = redis.streamer('restart-pub');
    const N = 600;
    let next = 0;
    for (; next < 300; next++) await publishSurely(publisher, channel, next);
    await waitFor(() => handled.size >= 300, 'first half handled');

    await server.kill(); // SIGKILL: only what AOF (appendfsync always) wrote survives
    await waitFor(() => noticed.size === 2, 'both consumers noticed the server is gone');
    await server.restart();
    const backAt = Date.now();
    for (; next < N; next++) await publishSurely(publisher, channel, next);
    await waitFor(() => handled.size >= N, 'everything handled', 30_000);
    const firstAfter = handledAt.find((at) => at >= backAt) ?? Infinity;
    const resumeMs = firstAfter - backAt;
    const duplicated = [...handled.values()].reduce((a, n) => a + n, 0) - handled.size;
    console.log(
      `[redis restart] ${JSON.stringify({ sent: N, handled: handled.size, lost: N - handled.size, duplicated, resumeMs })}`,
    );
    // Everything was acknowledged (nothing left pending for a later redelivery) and nothing failed.
    const group = `${channel}:restart-svc:cg`;
    await waitFor(async () => await settled(channel, group), 'every entry acknowledged');
    await Promise.all([...consumers, publisher].map((s) => s.cleanup()));
    assert.ok(resumeMs <= 2000, `consumption resumed ${resumeMs} ms after the server was back`);
    assert.ok(duplicated <= 2 * 64, `duplicates (${duplicated}) stay within what was in flight at the kill`);
  });

  it('CLIENT KILL on the blocking connections, repeatedly: lost 0, no loop stuck past block + grace', async (t) => {
    const channel = uniqueChannel('client-kill');
    const blockMs = 500;
    const handled = new Map<number, number>();
    const consumers: RedisStreamer[] = [];
    for (let k = 0; k < 2; k++) {
      const s = redis.streamer('killed-svc', RESILIENT);
      await s.subscribe(channel, { startFromLatest: false });
      s.registerHandler(channel, async (_n, p) => {
        const { i } = p as { i: number };
        handled.set(i, (handled.get(i) ?? 0) + 1);
        await delay(1); // the handler's work
      });
      void s.persistConsume({ blockMs, restMs: 10 });
      consumers.push(s);
    }
    const admin = new Redis(redis.url);
    t.after(() => admin.disconnect());
    const publisher = redis.streamer('kill-pub');
    const N = 1500;
    let kills = 0;
    let next = 0;
    const deadline = Date.now() + 4000;
    while (Date.now() < deadline) {
      if (next < N) {
        const batch = Array.from({ length: 50 }, (_, k) => ({ name: 'n', body: { i: next + k } }));
        next += batch.length;
        await publisher.sendMessages(channel, batch);
      }
      const list = String(await admin.client('LIST'));
      for (const line of list.split('\n')) {
        if (!line.includes(`name=redis-streamer:killed-svc:channel:`)) continue;
        const id = /\bid=(\d+)/.exec(line)?.[1];
        if (id !== undefined) {
          await admin.client('KILL', 'ID', id);
          kills++;
        }
      }
      await delay(150); // the kill pace
    }
    // After the last kill, the loops must recover within block time + grace and drain everything.
    const stopKillingAt = Date.now();
    for (; next < N; next += 50) {
      await publisher.sendMessages(
        channel,
        Array.from({ length: 50 }, (_, k) => ({ name: 'n', body: { i: next + k } })),
      );
    }
    await waitFor(() => handled.size >= N, 'everything handled after the kills', blockMs + 1000 + 10_000);
    const drainMs = Date.now() - stopKillingAt;
    // An idle loop must come back too: a message published now is handled within block + grace.
    const probeAt = Date.now();
    await publisher.sendMessage(channel, { name: 'n', body: { i: N } });
    await waitFor(() => handled.has(N), 'a message after the storm', blockMs + 1000 + 1000);
    const probeMs = Date.now() - probeAt;
    const duplicated = [...handled.values()].reduce((a, n) => a + n, 0) - handled.size;
    console.log(
      `[client kill] ${JSON.stringify({ sent: N + 1, handled: handled.size, lost: N + 1 - handled.size, duplicated, kills, drainMs, probeMs })}`,
    );
    await waitFor(async () => await settled(channel, `${channel}:killed-svc:cg`), 'every entry acknowledged');
    await Promise.all([...consumers, publisher].map((s) => s.cleanup()));
    assert.ok(kills >= 10, `connections were killed (${kills})`);
    assert.ok(probeMs <= blockMs + 1000, `a fresh message took ${probeMs} ms`);
  });
});

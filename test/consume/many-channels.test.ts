/**
 * Thousands of channels on a handful of connections: idle channels wait together and read through
 * one shared connection. Checked against a real server: every message handled once, fan-out and
 * load sharing intact, subscribing and unsubscribing while running, killed connections recovered,
 * and a flooded channel not starving a quiet one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RedisStreamer, RedisStreamerOptions } from '../../src/index.js';
import { delay, uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { waitUntilWaiting } from '../support/states.js';
import { MAX_WAITERS } from '../../src/consume/read-paths.js';

const redis = useRedis();

/** The connections a service holds, from CLIENT LIST (named redis-streamer:<service>:...). */
async function connectionsOf(service: string): Promise<string[]> {
  const list = String(await redis.client.client('LIST'));
  return list
    .split('\n')
    .map((line) => /\bname=(\S+)/.exec(line)?.[1] ?? '')
    .filter((name) => name.startsWith(`redis-streamer:${service}:`));
}

/** Subscribes `streamer` to every channel with a handler that counts per channel. */
async function consumeAll(
  streamer: RedisStreamer,
  channels: readonly string[],
  seen: Map<string, number>,
  blockMs = 1000,
): Promise<{ run: Promise<void> }> {
  for (const channel of channels) {
    await streamer.subscribe(channel, { startFromLatest: false });
    streamer.registerHandler(channel, (_n, p) => {
      const key = `${channel}/${(p as { i: number }).i}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    });
  }
  return { run: streamer.persistConsume({ blockMs }) };
}

async function publishOneEach(channels: readonly string[], i: number): Promise<void> {
  const pub = redis.streamer('pub');
  await Promise.all(channels.map((c) => pub.sendMessage(c, { name: 'n', body: { i } })));
}

/** Calls per command since the server started (INFO commandstats), e.g. `exec`, `xread`. */
async function commandCalls(): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const m of String(await redis.client.info('commandstats')).matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) {
    calls.set(m[1]!, Number(m[2]));
  }
  return calls;
}

/** Commands run by the server while `during` ran, by name (this file's own queries left out). */
async function commandsDuring(during: () => Promise<void>): Promise<Map<string, number>> {
  const before = await commandCalls();
  await during();
  const diff = new Map<string, number>();
  for (const [name, calls] of await commandCalls()) {
    const n = calls - (before.get(name) ?? 0);
    if (n > 0 && name !== 'info') diff.set(name, n);
  }
  return diff;
}

/** A streamer consuming `count` fresh channels that have all read one message and wait again now. */
async function parked(
  service: string,
  count: number,
  blockMs: number,
  options: RedisStreamerOptions = {},
): Promise<{ s: RedisStreamer; channels: string[]; seen: Map<string, number>; run: Promise<void> }> {
  const channels = Array.from({ length: count }, () => uniqueChannel(service));
  const seen = new Map<string, number>();
  const s = redis.streamer(service, options);
  const { run } = await consumeAll(s, channels, seen, blockMs);
  await waitUntilWaiting(redis.client, service);
  await publishOneEach(channels, 0);
  await waitFor(() => seen.size === count, 'the first round handled');
  await waitUntilWaiting(redis.client, service);
  return { s, channels, seen, run };
}

function exactlyOnce(seen: Map<string, number>, expected: number): void {
  assert.equal(seen.size, expected, `${seen.size} distinct messages handled of ${expected}`);
  const twice = [...seen].filter(([, n]) => n !== 1);
  assert.deepEqual(twice, [], 'each exactly once');
}

describe('many channels', () => {
  it('1,000 channels: every message handled once, on at most 8 connections', async () => {
    const channels = Array.from({ length: 1000 }, () => uniqueChannel('many'));
    const seen = new Map<string, number>();
    const s = redis.streamer('many-svc');
    const { run } = await consumeAll(s, channels, seen);
    await waitUntilWaiting(redis.client, 'many-svc', { atLeast: MAX_WAITERS });
    await publishOneEach(channels, 1);
    await waitFor(() => seen.size === 1000, 'the first round handled');
    await publishOneEach(channels, 2);
    await waitFor(() => seen.size === 2000, 'the second round handled');
    const connections = await connectionsOf('many-svc');
    assert.ok(connections.length <= 8, `connections: ${connections.join(', ')}`);
    exactlyOnce(seen, 2000);
    await s.cleanup();
    await run;
    assert.deepEqual(await connectionsOf('many-svc'), [], 'every connection closed');
  });

  it('fan-out and load sharing hold over 200 shared channels', async () => {
    const channels = Array.from({ length: 200 }, () => uniqueChannel('share'));
    const a = new Map<string, number>();
    const b1 = new Map<string, number>();
    const b2 = new Map<string, number>();
    const streamers = [redis.streamer('fan-a'), redis.streamer('fan-b'), redis.streamer('fan-b')] as const;
    const runs = [
      (await consumeAll(streamers[0], channels, a)).run,
      (await consumeAll(streamers[1], channels, b1)).run,
      (await consumeAll(streamers[2], channels, b2)).run,
    ];
    for (let i = 0; i < 5; i++) await publishOneEach(channels, i);
    await waitFor(() => a.size === 1000 && b1.size + b2.size >= 1000, 'everything handled');
    await delay(200); // an absence: no message arrives a second time (nothing to wait on)
    exactlyOnce(a, 1000);
    const both = new Map([...b1, ...b2]);
    exactlyOnce(both, 1000);
    assert.equal(b1.size + b2.size, 1000, 'no message handled by both instances');
    assert.ok(b1.size > 0 && b2.size > 0, `both instances worked (${b1.size}, ${b2.size})`);
    for (const streamer of streamers) await streamer.cleanup();
    await Promise.all(runs);
  });

  it('subscribing and unsubscribing while running', async () => {
    const first = Array.from({ length: 100 }, () => uniqueChannel('sub'));
    const later = Array.from({ length: 50 }, () => uniqueChannel('later'));
    const seen = new Map<string, number>();
    const s = redis.streamer('subunsub-svc');
    const { run } = await consumeAll(s, first, seen);
    await waitUntilWaiting(redis.client, 'subunsub-svc');
    for (const channel of later) {
      await s.subscribe(channel, { startFromLatest: false });
      s.registerHandler(channel, (_n, p) => void seen.set(`${channel}/${(p as { i: number }).i}`, 1));
    }
    await publishOneEach([...first, ...later], 1);
    await waitFor(() => seen.size === 150, 'channels subscribed while running are consumed');
    const dropped = first.slice(0, 10);
    for (const channel of dropped) await s.unsubscribe(channel);
    await publishOneEach(first, 2);
    await waitFor(() => seen.size === 240, 'the others still consumed');
    await delay(300); // an absence: nothing arrives on an unsubscribed channel (nothing to wait on)
    for (const channel of dropped) assert.equal(seen.has(`${channel}/2`), false, `${channel} was unsubscribed`);
    await s.cleanup();
    await run;
  });

  it('recovers its shared connections after they are killed', async () => {
    const channels = Array.from({ length: 50 }, () => uniqueChannel('kill'));
    const seen = new Map<string, number>();
    const s = redis.streamer('killed-shared-svc', { delivery: 'at-least-once' });
    const { run } = await consumeAll(s, channels, seen);
    await waitUntilWaiting(redis.client, 'killed-shared-svc');
    await publishOneEach(channels, 1);
    await waitFor(() => seen.size === 50, 'before the kill');
    const list = String(await redis.client.client('LIST'));
    let kills = 0;
    for (const line of list.split('\n')) {
      if (!/name=redis-streamer:killed-shared-svc:(waits|reads)/.test(line)) continue;
      await redis.client.call('CLIENT', 'KILL', 'ID', /\bid=(\d+)/.exec(line)?.[1] ?? '0');
      kills++;
    }
    assert.ok(kills >= 2, `killed ${kills} shared connections`);
    await publishOneEach(channels, 2);
    await waitFor(() => seen.size === 100, 'after the kill', 15_000);
    await s.cleanup();
    await run;
  });

  it('a flooded channel does not starve a quiet one', async () => {
    const channels = Array.from({ length: 20 }, () => uniqueChannel('flood'));
    const [flooded, quiet] = channels as [string, string];
    const handledAt = new Map<string, number>();
    let flood = 0;
    const s = redis.streamer('flood-svc');
    for (const channel of channels) {
      await s.subscribe(channel);
      s.registerHandler(channel, (name) => {
        if (channel === flooded) flood++;
        else handledAt.set(`${channel}/${name}`, performance.now());
      });
    }
    const run = s.persistConsume({ blockMs: 1000 });
    await waitUntilWaiting(redis.client, 'flood-svc');
    const pub = redis.streamer('flood-pub');
    const flooding = (async () => {
      for (let i = 0; i < 40; i++) {
        await pub.sendMessages(
          flooded,
          Array.from({ length: 1000 }, (_, k) => ({ name: 'f', body: k })),
        );
      }
    })();
    await waitFor(() => flood > 2000, 'the flood is being handled');
    const sentAt = performance.now();
    await pub.sendMessage(quiet, { name: 'q', body: 1 });
    await waitFor(() => handledAt.has(`${quiet}/q`), 'the quiet message handled', 10_000);
    const latency = (handledAt.get(`${quiet}/q`) ?? Infinity) - sentAt;
    assert.ok(flood < 40_000, 'measured while the flood was still going');
    assert.ok(latency < 250, `the quiet channel waited ${latency.toFixed(1)} ms behind the flood`);
    await flooding;
    await s.cleanup();
    await run;
  });

  it('idle channels among many do no reads of their own, and still wake at once', async () => {
    const blockMs = 300;
    const { s, channels, seen, run } = await parked('idle-svc', 100, blockMs);
    // Each loop waits without a deadline: no read (a transaction) in 2 s, where a wait timing out
    // every blockMs would read a few times per channel. The waits cost, per waiter (at most MAX_WAITERS), one
    // XREAD per blockMs and one look at the replay streams per blockMs, whatever the channels.
    const idleMs = 2000;
    const ran = await commandsDuring(() => delay(idleMs)); // a measurement window, not a wait
    const seenRan = JSON.stringify([...ran]);
    assert.equal((ran.get('exec') ?? 0) + (ran.get('xreadgroup') ?? 0), 0, `reads while idle: ${seenRan}`);
    const perWaiter = 2 * Math.ceil(idleMs / blockMs + 1);
    assert.ok((ran.get('xread') ?? 0) <= MAX_WAITERS * perWaiter, `waits while idle: ${seenRan}`);
    await publishOneEach(channels, 1);
    await waitFor(() => seen.size === 200, 'the second round handled');
    exactlyOnce(seen, 200);
    await s.cleanup();
    await run;
  });

  it('an idle channel among many reads once per half staleGroupMs (its consumer stays seen)', async () => {
    const staleGroupMs = 2400; // the smallest allowed with blockMs 300: a read every 1.2 s
    const { s, run } = await parked('live-svc', 20, 300, { staleGroupMs });
    const ran = await commandsDuring(() => delay(3000)); // a measurement window, not a wait
    const reads = ran.get('exec') ?? 0;
    assert.ok(reads >= 20 && reads <= 20 * 4, `${reads} reads of 20 channels in 3 s`);
    await s.cleanup();
    await run;
  });

  it('dead letters replayed to an idle channel among many are handled', async () => {
    const channels = Array.from({ length: 20 }, () => uniqueChannel('replay'));
    const [target] = channels as [string];
    const s = redis.streamer('replay-svc');
    let broken = true;
    let handled = 0;
    for (const channel of channels) {
      await s.subscribe(channel);
      s.registerHandler(channel, () => {
        if (channel !== target) return;
        if (broken) throw new Error('not yet');
        handled++;
      });
    }
    const run = s.persistConsume({ blockMs: 300 });
    await waitUntilWaiting(redis.client, 'replay-svc');
    await redis.streamer('replay-pub').sendMessage(target, { name: 'n', body: 1 });
    const dlq = s.deadLetters(target);
    await waitFor(async () => (await dlq.size()) === 1, 'dead-lettered');
    broken = false;
    await waitUntilWaiting(redis.client, 'replay-svc');
    assert.equal((await dlq.replay('all')).replayed, 1);
    await waitFor(() => handled === 1, 'the replayed entry handled', 5000);
    await s.cleanup();
    await run;
  });
});

/**
 * Thousands of channels on a handful of connections: idle channels wait together and read through
 * one shared connection. Checked against a real server: every message handled once, fan-out and
 * load sharing intact, subscribing and unsubscribing while running, killed connections recovered,
 * and a flooded channel not starving a quiet one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RedisStreamer } from '../../src/index.js';
import { delay, uniqueChannel, useRedis, waitFor } from '../support/harness.js';

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
): Promise<{ run: Promise<void> }> {
  for (const channel of channels) {
    await streamer.subscribe(channel, { startFromLatest: false });
    streamer.registerHandler(channel, (_n, p) => {
      const key = `${channel}/${(p as { i: number }).i}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    });
  }
  return { run: streamer.persistConsume({ blockMs: 1000 }) };
}

async function publishOneEach(channels: readonly string[], i: number): Promise<void> {
  const pub = redis.streamer('pub');
  await Promise.all(channels.map((c) => pub.sendMessage(c, { name: 'n', body: { i } })));
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
    await delay(300); // every loop is waiting now
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
    await delay(200);
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
    await delay(200);
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
    await delay(300);
    for (const channel of dropped) assert.equal(seen.has(`${channel}/2`), false, `${channel} was unsubscribed`);
    await s.cleanup();
    await run;
  });

  it('recovers its shared connections after they are killed', async () => {
    const channels = Array.from({ length: 50 }, () => uniqueChannel('kill'));
    const seen = new Map<string, number>();
    const s = redis.streamer('killed-shared-svc', { delivery: 'at-least-once' });
    const { run } = await consumeAll(s, channels, seen);
    await delay(200);
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
    await delay(200);
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
});

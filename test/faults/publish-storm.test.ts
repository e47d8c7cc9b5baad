/**
 * "Nothing was appended" must be true. Under a CLIENT KILL storm (every connection but the
 * killer's cut every 15-45 ms) unkeyed publishes are issued continuously: single calls, calls
 * coalesced in one tick, and `sendMessages` batches, each message tagged with a unique body. Every
 * reported outcome is then compared with the stream's content (XRANGE): a rejection with
 * `inDoubt: false`, and every index of `notPublishedIndexes`, must have no entry; every resolved id
 * and every `publishedIds` entry must be there. A command queued while the connection reconnected
 * is written after the reconnect, so whether it was sent cannot be decided when the call is made.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { PartialPublishError, PublishError, RedisStreamer, silentLogger } from '../../src/index.js';
import { needsPrivateServer, uniqueChannel } from '../support/harness.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

/** What a publish reported for one tagged message. */
type Outcome = { tag: string; kind: 'appended'; id: string } | { tag: string; kind: 'not-appended' | 'in-doubt' };

/** Rounds go on for this long (several hundred rounds and about 200 kills). */
const STORM_MS = 6000;
const WORKERS = 3;

/** Kills every normal connection but its own every 15-45 ms until stopped. */
function storm(killer: Redis): { stop: () => Promise<number> } {
  let stopped = false;
  let kills = 0;
  const loop = (async () => {
    while (!stopped) {
      await new Promise((r) => setTimeout(r, 15 + Math.random() * 30));
      kills += Number(await killer.call('CLIENT', 'KILL', 'TYPE', 'normal').catch(() => 0));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return kills;
    },
  };
}

/** The outcomes of one round: a single call, five calls in one tick, or a batch of ten. */
async function round(s: RedisStreamer, channel: string, name: string, mode: number): Promise<Outcome[]> {
  if (mode === 2) {
    const tags = Array.from({ length: 10 }, (_, i) => `${name}-${i}`);
    try {
      const ids = await s.sendMessages(
        channel,
        tags.map((tag) => ({ name: 'n', body: { tag } })),
      );
      return tags.map((tag, i) => ({ tag, kind: 'appended', id: ids[i] as string }));
    } catch (err) {
      assert.ok(err instanceof PartialPublishError, `a batch failed with ${String(err)}`);
      const fate = (i: number): Outcome => {
        const tag = tags[i] as string;
        if (i < err.publishedIds.length) return { tag, kind: 'appended', id: err.publishedIds[i] as string };
        return { tag, kind: err.notPublishedIndexes.includes(i) ? 'not-appended' : 'in-doubt' };
      };
      return tags.map((_, i) => fate(i));
    }
  }
  const tags = Array.from({ length: mode === 0 ? 1 : 5 }, (_, i) => `${name}-${i}`);
  return Promise.all(
    tags.map((tag) =>
      s.sendMessage(channel, { name: 'n', body: { tag } }).then(
        (id): Outcome => ({ tag, kind: 'appended', id }),
        (err: unknown): Outcome => {
          assert.ok(err instanceof PublishError, `a publish failed with ${String(err)}`);
          return { tag, kind: err.inDoubt ? 'in-doubt' : 'not-appended' };
        },
      ),
    ),
  );
}

describe('publishing under a CLIENT KILL storm', { skip: needsPrivateServer }, () => {
  let server: RedisServer;
  before(async () => (server = await startRedis()));
  after(async () => server.stop());

  it('reports "not appended" (inDoubt false, notPublishedIndexes) only for messages that are not in the stream', async (t) => {
    const channel = uniqueChannel('storm');
    const s = new RedisStreamer(server.url, 'storm-svc', { logger: silentLogger });
    s.on('error', () => {});
    const killer = new Redis(server.url);
    killer.on('error', () => {});
    t.after(async () => {
      killer.disconnect();
      await s.cleanup();
    });
    await s.sendMessage(channel, { name: 'warm-up', body: {} });
    const kills = storm(killer);
    const outcomes: Outcome[] = [];
    const end = Date.now() + STORM_MS;
    let rounds = 0;
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, worker) => {
        for (let r = 0; Date.now() < end; r++, rounds++) {
          outcomes.push(...(await round(s, channel, `w${worker}r${r}`, (r + worker) % 3)));
        }
      }),
    );
    const killed = await kills.stop();
    const entries = await killer.xrange(channel, '-', '+');
    const landed = new Map<string, string>();
    for (const [id, fields] of entries) {
      const body = fields[fields.indexOf('body') + 1] as string;
      landed.set((JSON.parse(body) as { tag?: string }).tag ?? 'warm-up', id);
    }
    const wrong = outcomes.filter((o) => (o.kind === 'not-appended' ? landed.has(o.tag) : false));
    const missing = outcomes.filter((o) => o.kind === 'appended' && landed.get(o.tag) !== o.id);
    const count = (kind: Outcome['kind']): number => outcomes.filter((o) => o.kind === kind).length;
    const summary = `${rounds} rounds, ${killed} kills; appended ${count('appended')}, not appended ${count('not-appended')}, in doubt ${count('in-doubt')}`;
    assert.ok(rounds >= 300 && killed >= 50, `the storm killed too little to test anything: ${summary}`);
    assert.ok(count('not-appended') + count('in-doubt') >= 20, `too few publishes failed to test anything: ${summary}`);
    assert.deepEqual(
      wrong.map((o) => o.tag),
      [],
      `reported as not appended, but in the stream (${summary})`,
    );
    assert.deepEqual(
      missing.map((o) => o.tag),
      [],
      `reported as appended, but not in the stream with that id (${summary})`,
    );
  });
});

/**
 * Every sentinel hung (SIGSTOP: they accept connections and answer nothing) while the streamer's
 * connections drop, so that reconnecting needs them. ioredis asks each in turn (1 s each) and then
 * starts again, for as long as it takes, without failing the commands that wait for the connection:
 * a publish made then once stayed pending for as long as the sentinels were hung (measured: 40 s).
 * Now, once every sentinel was asked, the waiting commands fail, never sent: an unkeyed publish
 * rejects with a PublishError that is not in doubt, and a keyed one is sent again (publishRetries)
 * until the sentinels answer. Its own sentinel setup: sentinels stopped for seconds enter TILT mode
 * for 30 s, which would hold back the failovers of the other sentinel tests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PublishError, RedisInstance, RedisStreamer, silentLogger } from '../../src/index.js';
import { needsPrivateServer, uniqueChannel } from '../support/harness.js';
import { startSentinel, type SentinelSetup } from '../support/redis-sentinel.js';
import { redisCommand } from '../support/redis-server.js';
import { nextEvent } from '../support/states.js';

/** Three sentinels asked once, 1 s each, plus the reconnect backoff: well within this. */
const REJECT_WITHIN_MS = 6000;

describe('Sentinel: every sentinel hung while the connections reconnect', { skip: needsPrivateServer }, () => {
  let setup: SentinelSetup;
  const streamers: RedisStreamer[] = [];

  before(async () => {
    setup = await startSentinel();
  });

  after(async () => {
    for (let i = 0; i < 3; i++) setup?.resumeSentinel(i);
    await Promise.all(streamers.map((s) => s.cleanup()));
    await setup?.stop();
  });

  const streamer = (service: string): RedisStreamer => {
    const instance = new RedisInstance({ sentinels: setup.sentinels, primaryName: setup.name });
    const s = new RedisStreamer(instance, service, { logger: silentLogger });
    s.on('error', () => {}); // counted in getStats, asserted below
    streamers.push(s);
    return s;
  };

  /**
   * Hangs every sentinel, then cuts the streamers' connections: they must ask a sentinel again.
   * Resolves once `s` noticed (its reconnect event): the publishes that follow wait for a reconnect.
   */
  const hangSentinelsAndDrop = async (s: RedisStreamer): Promise<void> => {
    const primary = await setup.primaryPort();
    const noticed = nextEvent(s, 'reconnect');
    for (let i = 0; i < 3; i++) setup.pauseSentinel(i);
    await redisCommand(primary, ['CLIENT', 'KILL', 'TYPE', 'normal']);
    await noticed;
  };

  it(
    'a publish made meanwhile rejects, not in doubt, within seconds; a keyed one is sent again and lands once',
    { timeout: 30_000 },
    async () => {
      const channel = uniqueChannel('hung-all');
      const s = streamer('hung-all-pub');
      await s.sendMessage(channel, { name: 'before', body: 0 });

      await hangSentinelsAndDrop(s);
      const started = Date.now();
      const unkeyed = s.sendMessage(channel, { name: 'unkeyed', body: 1 }).then(
        () => assert.fail('an unkeyed publish resolved while no sentinel answered'),
        (err: unknown) => ({ err, ms: Date.now() - started }),
      );
      const keyed = s.sendMessage(channel, { name: 'keyed', body: 2 }, { idempotencyKey: 'k-1' });
      const { err, ms } = await unkeyed;
      assert.ok(err instanceof PublishError, `rejected with ${String(err)}`);
      assert.equal(err.inDoubt, false, 'never sent: certainly not appended');
      assert.match(err.message, /no sentinel said where the primary "\w+" is: .*\(Command timed out\)/);
      assert.ok(ms < REJECT_WITHIN_MS, `rejected after ${ms} ms`);
      const stats = await s.getStats();
      assert.ok(
        stats.connections.some((c) => c.lastErrorCode === 'ERR_CONNECTION' && (c.lastErrorAt ?? 0) >= started),
        `getStats shows the connection error: ${JSON.stringify(stats.connections)}`,
      );

      for (let i = 0; i < 3; i++) setup.resumeSentinel(i);
      const id = await keyed;
      const again = await s.sendMessage(channel, { name: 'keyed', body: 2 }, { idempotencyKey: 'k-1' });
      assert.equal(again, id, 'the key was appended once');
      const names = (
        (await redisCommand(await setup.primaryPort(), ['XRANGE', channel, '-', '+'])) as [string, string[]][]
      ).map(([, fields]) => fields[1]);
      assert.deepEqual(names, ['before', 'keyed'], 'the keyed publish landed once, the rejected one not at all');
    },
  );
});

/**
 * A publish with `replicas` whose WAIT fails after the append: the entries are in the stream, so
 * the error carries their ids (a ReplicationError whose cause says why WAIT failed), never
 * "nothing was appended", and a keyed publish is not sent again. A user who may not run WAIT at
 * all is refused before anything is appended, with an error naming the missing right.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import {
  aclRules,
  ConnectionError,
  PublishError,
  RedisCommandError,
  RedisInstance,
  RedisStreamer,
  ReplicationError,
  silentLogger,
} from '../../src/index.js';
import { uniqueChannel } from '../support/harness.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const PASSWORD = 'wait-pw';

let server: RedisServer;
let admin: Redis;
const streamers: RedisStreamer[] = [];
before(async () => {
  server = await startRedis();
  admin = new Redis(server.url);
});
after(async () => {
  await Promise.all(streamers.map((s) => s.cleanup()));
  admin.disconnect();
  await server.stop();
});

async function publisher(user: string, waitForReplicas: boolean, channel: string): Promise<RedisStreamer> {
  const rules = aclRules({ role: 'publisher', channels: [channel], waitForReplicas });
  await admin.call('ACL', 'SETUSER', user, 'reset', 'on', `>${PASSWORD}`, ...rules);
  const redis = new RedisInstance({ port: server.port, username: user, password: PASSWORD });
  const s = new RedisStreamer(redis, user, { logger: silentLogger });
  streamers.push(s);
  return s;
}

type Shape = 'unkeyed' | 'keyed' | 'batch' | 'keyed batch';
const SHAPES: readonly Shape[] = ['unkeyed', 'keyed', 'batch', 'keyed batch'];

/** Publishes in one of the four shapes with `replicas: 1`; resolves to what it rejected with. */
async function publishShape(s: RedisStreamer, channel: string, shape: Shape, timeoutMs: number): Promise<unknown> {
  const wait = { replicas: 1, timeoutMs };
  const call =
    shape === 'unkeyed'
      ? s.sendMessage(channel, { name: 'n', body: 1 }, wait)
      : shape === 'keyed'
        ? s.sendMessage(channel, { name: 'n', body: 1 }, { ...wait, idempotencyKey: `k-${channel}` })
        : s.sendMessages(
            channel,
            [1, 2, 3].map((i) => ({
              name: 'n',
              body: i,
              ...(shape === 'keyed batch' ? { idempotencyKey: `k${i}-${channel}` } : {}),
            })),
            wait,
          );
  return call.then(
    (ids) => assert.fail(`resolved with ${String(ids)}`),
    (err: unknown) => err,
  );
}

async function streamIds(channel: string): Promise<string[]> {
  return (await admin.xrange(channel, '-', '+')).map(([id]) => id);
}

describe('a publisher that may not run WAIT', () => {
  for (const shape of SHAPES) {
    it(`${shape}: refused before anything is appended, naming the missing right`, async () => {
      const channel = uniqueChannel('no-wait');
      const s = await publisher(`no-wait-${shape.replace(' ', '-')}`, false, channel);
      for (let i = 0; i < 2; i++) {
        const err = await publishShape(s, channel, shape, 100);
        assert.ok(err instanceof PublishError && !(err instanceof ReplicationError), inspect(err));
        assert.equal(err.inDoubt, false);
        assert.ok(err.cause instanceof RedisCommandError && err.cause.redisCode === 'NOPERM', inspect(err));
        assert.match(err.message, /refused WAIT: NOPERM/);
        assert.match(err.message, /grant the user \+wait/);
        assert.match(err.message, shape.endsWith('batch') ? /3 not appended/ : /nothing was appended/);
      }
      assert.equal(await admin.exists(channel), 0, 'nothing appended');
    });
  }

  for (const shape of SHAPES) {
    it(`${shape}: a WAIT refused after the append (the right revoked meanwhile) reports the appended ids`, async () => {
      const channel = uniqueChannel('revoked');
      const user = `revoked-${shape.replace(' ', '-')}`;
      const s = await publisher(user, true, channel);
      // Allowed: no replica here, so WAIT answers 0 after its timeout (a ReplicationError with ids).
      const first = await publishShape(s, channel, shape, 20);
      assert.ok(first instanceof ReplicationError && first.cause === undefined, inspect(first));
      await admin.call('ACL', 'SETUSER', user, '-wait');
      const err = await publishShape(s, channel, shape, 20);
      assert.ok(err instanceof ReplicationError, inspect(err));
      assert.equal(err.inDoubt, false);
      assert.equal(err.acknowledgedBy, 0);
      assert.ok(err.cause instanceof RedisCommandError && err.cause.redisCode === 'NOPERM', inspect(err.cause));
      assert.doesNotMatch(err.message, /nothing was appended/);
      const stored = await streamIds(channel);
      const keyed = shape.startsWith('keyed');
      // A keyed publish appends nothing the second time (same keys); an unkeyed one appends again.
      assert.deepEqual(err.ids, keyed ? first.ids : stored.slice(first.ids.length));
      assert.equal(stored.length, keyed ? first.ids.length : 2 * first.ids.length);
      // Refused before the append from now on.
      const refused = await publishShape(s, channel, shape, 20);
      assert.ok(refused instanceof PublishError && !(refused instanceof ReplicationError), inspect(refused));
      assert.deepEqual(await streamIds(channel), stored, 'nothing more appended');
    });
  }
});

describe("WAIT's connection cut after the script ran", () => {
  for (const shape of SHAPES) {
    it(`${shape}: the error carries the appended ids`, async () => {
      const channel = uniqueChannel('cut');
      const proxy = await new TcpProxy().start(server.port);
      const s = new RedisStreamer(`redis://127.0.0.1:${proxy.port}`, 'cut-pub', { logger: silentLogger });
      streamers.push(s);
      // The connection is open and the script cached (no replica here: WAIT answers 0 after 10 ms).
      assert.ok((await publishShape(s, uniqueChannel('warm'), shape, 10)) instanceof ReplicationError);
      // The script's reply goes through; the connection closes while WAIT waits for a replica.
      proxy.cutAfterNextReply();
      const err = await publishShape(s, channel, shape, 10_000);
      await proxy.stop();
      assert.ok(err instanceof ReplicationError, inspect(err));
      assert.ok(err.cause instanceof ConnectionError, inspect(err.cause));
      assert.equal(err.inDoubt, false, 'not in doubt: appended');
      assert.deepEqual(err.ids, await streamIds(channel));
      assert.equal(err.ids.length, shape.endsWith('batch') ? 3 : 1);
      assert.doesNotMatch(err.message, /nothing was appended/);
    });
  }
});

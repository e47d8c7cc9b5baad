/**
 * `--client <ioredis|node-redis>` (else REDIS_STREAMER_CLIENT): the Redis client library the CLI's
 * connections use. The rest of test/cli runs the built CLI on the client of the run (RS_CLIENT,
 * passed on as REDIS_STREAMER_CLIENT by ./support.ts).
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { IoredisPort } from '../../src/connection/ioredis-adapter.js';
import { NodeRedisPort } from '../../src/connection/node-redis-adapter.js';
import { redisOf } from '../../src/cli/connection.js';
import { run } from '../../src/cli/program.js';
import { uniqueChannel, useRedis } from '../support/harness.js';
import { testClient } from '../support/client-choice.js';

const redis = useRedis();

/** Runs the CLI in this process; its exit code and output. */
async function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const stdin = new PassThrough();
  stdin.end();
  const code = await run(['node', 'redis-streamer', ...args], { stdin, stdout, stderr }, env);
  return { code, stdout: out, stderr: err };
}

describe('--client', () => {
  it('opens node-redis connections with node-redis, ioredis ones with ioredis, the default otherwise', async () => {
    const ports = [
      redisOf({ url: [redis.url], client: 'node-redis' }, {}).createPort('cli', { kind: 'command' }),
      redisOf({ url: [redis.url], client: 'ioredis' }, {}).createPort('cli', { kind: 'command' }),
      redisOf({ url: [redis.url] }, {}).createPort('cli', { kind: 'command' }),
    ];
    try {
      assert.ok(ports[0] instanceof NodeRedisPort);
      assert.ok(ports[1] instanceof IoredisPort);
      assert.ok(testClient === 'node-redis' ? ports[2] instanceof NodeRedisPort : ports[2] instanceof IoredisPort);
    } finally {
      await Promise.all(ports.map((p) => p.close()));
    }
  });

  for (const client of ['ioredis', 'node-redis'] as const) {
    it(`publishes and lists a channel with --client ${client}`, async () => {
      const channel = uniqueChannel(`cli-client-${client}`);
      const base = ['--client', client, '--url', redis.url];
      const published = await runCli([...base, 'publish', channel, 'created', '{"n":1}', '--json']);
      assert.equal(published.code, 0, published.stderr);
      assert.equal(await redis.client.xlen(channel), 1);
      const listed = await runCli([...base, 'channels', '--json']);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, new RegExp(channel));
    });
  }

  it('also reads REDIS_STREAMER_CLIENT; --client wins over it', async () => {
    const channel = uniqueChannel('cli-client-env');
    const fromEnv = await runCli(['--url', redis.url, 'publish', channel, 'e', '{}'], {
      REDIS_STREAMER_CLIENT: 'node-redis',
    });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    const overridden = await runCli(['--client', 'ioredis', '--url', redis.url, 'publish', channel, 'e', '{}'], {
      REDIS_STREAMER_CLIENT: 'valkey',
    });
    assert.equal(overridden.code, 0, overridden.stderr);
    assert.equal(await redis.client.xlen(channel), 2);
  });

  it('refuses another client name as a usage error (exit 2) naming the choices, before connecting', async () => {
    const bad = await runCli(['--client', 'valkey', '--url', 'redis://127.0.0.1:1', 'channels']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /ioredis/);
    assert.match(bad.stderr, /node-redis/);
    const badEnv = await runCli(['--url', 'redis://127.0.0.1:1', 'channels'], { REDIS_STREAMER_CLIENT: 'valkey' });
    assert.equal(badEnv.code, 2);
    assert.match(badEnv.stderr, /REDIS_STREAMER_CLIENT|valkey/);
  });
});

/**
 * Credentials are never reachable: util.inspect at any depth (and JSON.stringify) of a streamer, an
 * Inspector, a dead-letter queue, a dashboard, their connections' states, with a password, a
 * sentinel password and TLS key material set, shows none of them. And ioredis' console warnings (a
 * password the server does not need, a ready check refused by the ACL) never reach the console:
 * they go to the library's logger, and nowhere with silentLogger (checked in a child process).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import {
  Inspector,
  RedisInstance,
  RedisStreamer,
  silentLogger,
  startDashboard,
  type RedisConnectionOptions,
} from '../../src/index.js';
import { needsPrivateServer, uniqueChannel } from '../support/harness.js';
import { freePort, startRedis, type RedisServer } from '../support/redis-server.js';

const PASSWORD = 'pw-0f-the-data-n0des';
const SENTINEL_PASSWORD = 'pw-0f-the-sentinels';
const KEY = '-----BEGIN PRIVATE KEY-----\nTLS-KEY-MATERIAL-3x4mple\n-----END PRIVATE KEY-----\n';
const TOKEN = 'dashboard-t0ken-secret';
const SECRETS = [PASSWORD, SENTINEL_PASSWORD, 'TLS-KEY-MATERIAL-3x4mple', TOKEN];

/** Every way the object could be printed: inspect at depth Infinity (hidden properties too) and JSON. */
function printed(value: unknown): string {
  const json = JSON.stringify(value) ?? '';
  return `${inspect(value, { depth: Infinity, showHidden: true, getters: true })}\n${json}`;
}

function assertNoSecret(what: string, value: unknown): void {
  const text = printed(value);
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${what} shows "${secret}":\n${text.slice(0, 2000)}`);
}

describe('credentials are never reachable', { skip: needsPrivateServer }, () => {
  let server: RedisServer;
  before(async () => (server = await startRedis({ args: ['--requirepass', PASSWORD] })));
  after(async () => server.stop());

  it('a live streamer, its dead-letter queue, stats and Inspector, and a dashboard', async () => {
    const redis = new RedisInstance({ port: server.port, password: PASSWORD });
    const streamer = new RedisStreamer(redis, 'secrets', { logger: silentLogger });
    const inspector = new Inspector(redis);
    const channel = uniqueChannel('secret');
    await streamer.subscribe(channel);
    let handled!: () => void;
    const done = new Promise<void>((resolve) => (handled = resolve));
    streamer.registerHandler(channel, () => handled());
    const run = streamer.persistConsume({ blockMs: 200 });
    await streamer.sendMessage(channel, { name: 'n', body: {} });
    await done;
    await inspector.channel(channel);
    const dashboard = await startDashboard({ inspector, token: TOKEN, port: 0, logger: silentLogger });
    try {
      assertNoSecret('the RedisInstance', redis);
      assert.ok(!inspect(redis, { customInspect: false, depth: Infinity, showHidden: true }).includes(PASSWORD));
      assertNoSecret('the streamer', streamer);
      assert.match(
        inspect(streamer),
        /RedisStreamer \{ service: 'secrets', redis: 'redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0' \}/,
      );
      assertNoSecret('its dead letters', streamer.deadLetters(channel));
      assertNoSecret('its stats', await streamer.getStats());
      assertNoSecret('the Inspector', inspector);
      assertNoSecret('the dashboard', dashboard);
      assert.match(inspect(dashboard), /Dashboard \{ url: 'http:\/\/127\.0\.0\.1:\d+\/\?token=\*\*\*'/);
    } finally {
      await dashboard.close();
      await inspector.close();
      await streamer.cleanup();
      await run;
    }
  });

  it('a streamer over an ioredis template client with a password', async () => {
    const template = new Redis({ port: server.port, password: PASSWORD, lazyConnect: true });
    const streamer = new RedisStreamer(template, 'secrets-template', { logger: silentLogger });
    await streamer.sendMessage(uniqueChannel('template'), { name: 'n', body: {} });
    assertNoSecret('the streamer', streamer);
    assert.match(inspect(streamer), /ioredis client template for localhost:\d+ as default/);
    await streamer.cleanup();
  });

  it('Sentinel and cluster settings with a password, a sentinel password and TLS key material', async () => {
    const tls = { key: KEY, cert: KEY, rejectUnauthorized: false };
    const unreachable = `127.0.0.1:${await freePort()}`;
    const settings: RedisConnectionOptions[] = [
      { sentinels: [unreachable], primaryName: 'p', password: PASSWORD, sentinelPassword: SENTINEL_PASSWORD, tls },
      { cluster: [unreachable], password: PASSWORD, tls },
      { host: '127.0.0.1', port: Number(unreachable.split(':')[1]), password: PASSWORD, tls },
    ];
    for (const options of settings) {
      const redis = new RedisInstance({ ...options, connectTimeoutMs: 1000 });
      const streamer = new RedisStreamer(redis, 'secrets-topology', { logger: silentLogger });
      streamer.on('error', () => {});
      await streamer.sendMessage('ch', { name: 'n', body: {} }).catch(() => {}); // opens its clients
      const inspector = new Inspector(redis);
      await inspector.channels().catch(() => {});
      assertNoSecret(`${redis.kind}: the instance`, redis);
      assertNoSecret(`${redis.kind}: the streamer`, streamer);
      assertNoSecret(`${redis.kind}: its stats`, await streamer.getStats());
      assertNoSecret(`${redis.kind}: the Inspector`, inspector);
      await Promise.all([streamer.cleanup(), inspector.close()]);
    }
  });
});

/** Runs child-quiet.ts; resolves to what it printed on stdout and stderr. */
function runQuiet(
  port: number,
  mode: 'silent' | 'logged',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/child-quiet.ts', String(port), mode]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("ioredis' console warnings", { skip: needsPrivateServer }, () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
    const admin = new Redis(server.port);
    await admin.call('ACL', 'SETUSER', 'no-info', 'on', '>no-info-password', '~*', '&*', '+@all', '-info');
    admin.disconnect();
  });
  after(async () => server.stop());

  it('print nothing with silentLogger', async () => {
    const { code, stdout, stderr } = await runQuiet(server.port, 'silent');
    assert.equal(code, 0, stderr);
    assert.equal(stdout, '');
    assert.equal(stderr, '');
  });

  it("go to the library's logger", async () => {
    const { code, stdout, stderr } = await runQuiet(server.port, 'logged');
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    assert.match(
      stdout,
      /^logged: Redis did not take the login \(.*without any password configured for the default user.*\): connected without it$/m,
    );
    assert.match(stdout, /^logged: the ready check's INFO was refused \(NOPERM.*\)/m);
  });
});

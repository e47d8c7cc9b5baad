/**
 * The built CLI's `dashboard`: it serves until Ctrl-C (exit 0), prints its URL (with the token when
 * one is needed), passes --read-only and --token on, and fails in one line (exit 1) on a port in use
 * or when Redis refuses the login or cannot be reached.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { DashboardJson } from '../../src/cli/shapes.js';
import { uniqueChannel, useRedis } from '../support/harness.js';
import { builtCli, cli, LiveCli, startCli } from './support.js';

const redis = useRedis();
before(() => builtCli(), { timeout: 180_000 });

async function dashboard(args: readonly string[], env?: Record<string, string>): Promise<{ live: LiveCli; url: URL }> {
  const live = new LiveCli(
    await startCli(['dashboard', '--port', '0', '--json', ...args], { url: redis.url, ...(env ? { env } : {}) }),
  );
  await live.waitFor(/\n/);
  return { live, url: new URL((JSON.parse(live.stdout) as DashboardJson).url) };
}

async function stop(live: LiveCli): Promise<void> {
  const stoppedAt = Date.now();
  live.child.kill('SIGINT');
  const done = await live.done;
  assert.equal(done.code, 0, done.stderr);
  assert.ok(Date.now() - stoppedAt < 3000, 'Ctrl-C stops the dashboard at once');
}

describe('cli: dashboard', () => {
  it('serves read-only on loopback until Ctrl-C; a second one on the same port fails with exit 1', async () => {
    const channel = uniqueChannel('cli-dash');
    await redis.client.xadd(channel, '*', 'name', 'n', 'body', '{}');
    const { live, url } = await dashboard(['--read-only']);
    assert.equal(url.hostname, '127.0.0.1');
    assert.equal(url.searchParams.get('token'), null, 'no token on loopback');
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /data-read-only="true"/);
    const api = await fetch(new URL('api/channels', url));
    assert.equal(api.status, 200);
    assert.ok(JSON.stringify(await api.json()).includes(channel));

    const busy = await cli(['dashboard', '--port', url.port], { url: redis.url });
    assert.equal(busy.code, 1, busy.stderr);
    assert.match(busy.stderr, /^redis-streamer: the dashboard cannot listen there: .*EADDRINUSE.*\n$/);
    await stop(live);
  });

  it('exits 1 with the reason, serving nothing, when Redis refuses the login or cannot be reached', async () => {
    const login = new URL(redis.url);
    login.username = 'admin';
    login.password = 'hunter2-secret';
    const [refused, unreachable] = await Promise.all([
      cli(['dashboard', '--port', '0'], { url: login.toString(), timeoutMs: 10_000 }),
      cli(['dashboard', '--port', '0', '--connect-timeout', '1s'], {
        url: 'redis://127.0.0.1:1',
        timeoutMs: 10_000,
      }),
    ]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(refused.stdout, '', 'no URL printed');
    assert.match(refused.stderr, /^redis-streamer: .*refused the login of user "admin".*\n$/);
    assert.doesNotMatch(refused.stderr, /hunter2/);
    assert.equal(unreachable.code, 1, unreachable.stderr);
    assert.equal(unreachable.stdout, '');
    assert.match(unreachable.stderr, /^redis-streamer: .*127\.0\.0\.1:1.*\n$/);
  });

  it('on a non-loopback address needs a token: from --token or REDIS_STREAMER_DASHBOARD_TOKEN', async () => {
    const fromFlag = await dashboard(['--host', '0.0.0.0', '--token', 'flag-token-0123456789']);
    const fromEnv = await dashboard(['--host', '0.0.0.0'], { REDIS_STREAMER_DASHBOARD_TOKEN: 'env-token-0123456789' });
    assert.equal(fromFlag.url.searchParams.get('token'), 'flag-token-0123456789');
    assert.equal(fromEnv.url.searchParams.get('token'), 'env-token-0123456789');
    const api = new URL('api/channels', fromFlag.url);
    api.search = '';
    assert.equal((await fetch(api)).status, 401);
    assert.equal((await fetch(api, { headers: { authorization: 'Bearer flag-token-0123456789' } })).status, 200);
    await Promise.all([stop(fromFlag.live), stop(fromEnv.live)]);
  });
});

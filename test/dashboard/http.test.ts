/**
 * The dashboard over HTTP (no browser), against a real Redis: where it binds, the token, the
 * CSRF and origin checks, read-only mode, the JSON API and its errors, /metrics against a known
 * dtpyfw-shaped state, and close() leaving nothing behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { networkInterfaces } from 'node:os';
import { after, describe, it } from 'node:test';
import { ConfigError, Inspector } from '../../src/index.js';
import type { DashboardOptions } from '../../src/dashboard/options.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { aclRules } from '../../src/acl.js';
import { uniqueChannel, useRedis } from '../support/harness.js';
import type { ChannelReply, ChannelsReply, DeadLettersReply } from '../../src/dashboard/api.js';
import { csrfOf, errorOf, http, jsonOf, parsePrometheus, sampleOf } from './helpers.js';

const redis = useRedis();
const open: Dashboard[] = [];
let shared: Inspector | undefined;

/** The Inspector the dashboards share (created on first use: the file's Redis starts in a hook). */
function inspector(): Inspector {
  return (shared ??= new Inspector(redis.url));
}

after(async () => {
  await Promise.all(open.map((d) => d.close()));
  await shared?.close();
});

async function start(options: Partial<DashboardOptions> = {}): Promise<Dashboard> {
  const dashboard = await startDashboard({
    inspector: inspector(),
    port: 0,
    refreshMs: 200,
    logger: quiet,
    ...options,
  });
  open.push(dashboard);
  return dashboard;
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** The base URL (no token) of a dashboard. */
function baseOf(d: Dashboard): string {
  const url = new URL(d.url);
  return `http://127.0.0.1:${url.port}`;
}

/**
 * A dtpyfw-shaped channel: 5 entries (fields name, body), the group `<channel>:py-svc:cg` created
 * at 0 having read 2 (pending on consumer `py-1`), and one dead letter as the library records it.
 */
async function knownState(channel: string): Promise<{ group: string; deadLetterId: string }> {
  const c = redis.client;
  for (let i = 0; i < 5; i++) await c.xadd(channel, '*', 'name', 'order.created', 'body', JSON.stringify({ i }));
  const group = `${channel}:py-svc:cg`;
  await c.xgroup('CREATE', channel, group, '0');
  await c.xreadgroup('GROUP', group, 'py-1', 'COUNT', 2, 'STREAMS', channel, '>');
  const deadLetterId = (await c.xadd(
    `{${channel}}:dlq`,
    '*',
    ...['dlq-id', '1-1', 'dlq-channel', channel, 'dlq-group', group, 'dlq-consumer', 'py-1'],
    ...['dlq-reason', 'handler-failed', 'dlq-error', 'boom', 'dlq-stack', 'Error: boom\n    at h (app.py:1)'],
    ...['dlq-attempts', '1', 'name', 'order.created', 'body', '{"i":9}'],
  )) as string;
  return { group, deadLetterId };
}

describe('binding and the token', () => {
  it('binds 127.0.0.1 by default, with no token, and is not reachable on other interfaces', async () => {
    const d = await start();
    const url = new URL(d.url);
    assert.equal(url.hostname, '127.0.0.1');
    assert.equal(d.token, undefined);
    assert.equal(url.search, '');
    assert.equal((await http(`${d.url}api/channels`)).status, 200);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal);
    if (external !== undefined) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = createConnection({ host: external.address, port: Number(url.port) });
        socket.on('connect', () => (socket.destroy(), resolve(false)));
        socket.on('error', () => resolve(true));
      });
      assert.ok(refused, `not listening on ${external.address}`);
    }
  });

  it('listens on 8787 unless told otherwise', async (t) => {
    let d: Dashboard;
    try {
      d = await startDashboard({ inspector: inspector(), logger: quiet });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return t.skip('port 8787 is taken on this machine');
      throw err;
    }
    assert.equal(d.url, 'http://127.0.0.1:8787/');
    await d.close();
  });

  it('bound to 0.0.0.0 it generates a token and refuses requests without it (401)', async () => {
    const d = await start({ host: '0.0.0.0' });
    assert.ok(d.token !== undefined && d.token.length >= 40, 'a random token');
    assert.equal(new URL(d.url).searchParams.get('token'), d.token);
    const base = baseOf(d);
    for (const path of ['/', '/api/channels', '/metrics', '/assets/app.js', '/nope']) {
      const reply = await http(base + path);
      assert.equal(reply.status, 401, path);
      assert.match(errorOf(reply), /token is required/);
    }
    assert.equal((await http(`${base}/api/channels`, { headers: { Authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await http(`${base}/?token=wrong`)).status, 401);
    const ok = await http(`${base}/api/channels`, { headers: { Authorization: `Bearer ${d.token}` } });
    assert.equal(ok.status, 200);
  });

  it('the ?token= page load sets an HttpOnly SameSite=Strict cookie that then stands for the token', async () => {
    const d = await start({ token: 'a-long-enough-token' });
    const first = await http(d.url);
    assert.equal(first.status, 303, 'redirected to drop the token from the address');
    assert.equal(first.headers['location'], './');
    const cookie = String(first.headers['set-cookie']);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.ok(!cookie.includes('a-long-enough-token'), 'the cookie is not the token itself');
    const pair = cookie.split(';')[0]!;
    const page = await http(`${baseOf(d)}/`, { headers: { Cookie: pair } });
    assert.equal(page.status, 200);
    assert.match(page.body, /<meta name="csrf-token"/);
    assert.equal((await http(`${baseOf(d)}/api/channels`, { headers: { Cookie: pair } })).status, 200);
    assert.equal((await http(`${baseOf(d)}/api/channels`, { headers: { Cookie: `${pair}x` } })).status, 401);
  });

  it('without a token, answers only to a loopback Host (no DNS rebinding)', async () => {
    const d = await start();
    assert.equal((await http(`${d.url}api/channels`, { headers: { Host: 'localhost' } })).status, 200);
    const rebound = await http(`${d.url}api/channels`, { headers: { Host: 'evil.example:8787' } });
    assert.equal(rebound.status, 403);
  });

  it('refuses invalid options with a ConfigError', async () => {
    await assert.rejects(startDashboard({ inspector: inspector(), token: 'short' }), /at least 8/);
    await assert.rejects(startDashboard({ inspector: inspector(), refreshMs: 10 }), /refreshMs/);
    await assert.rejects(startDashboard({ inspector: inspector(), port: 70_000 }), /port/);
  });

  it('refuses a misspelled or mistyped option (readonly for readOnly) instead of serving read-write', async () => {
    const refused = async (options: unknown, message: RegExp): Promise<void> => {
      await assert.rejects(startDashboard(options as DashboardOptions), (err: unknown) => {
        assert.ok(err instanceof ConfigError, `a ConfigError for ${String(message)}: ${String(err)}`);
        assert.equal(err.code, 'ERR_CONFIG');
        assert.match(err.message, message);
        return true;
      });
    };
    const i = inspector();
    await refused(
      { inspector: i, readonly: true },
      /^startDashboard\(\): unknown option `readonly`; did you mean `readOnly`\?$/,
    );
    await refused({ inspector: i, read_only: true }, /did you mean `readOnly`/);
    await refused({ inspector: i, refresh_ms: 500 }, /did you mean `refreshMs`/);
    await refused({ inspector: i, tokn: 'abcdefgh12' }, /did you mean `token`/);
    for (const readOnly of ['true', 1, null, 'yes']) {
      await refused({ inspector: i, readOnly }, /option `readOnly` must be a boolean/);
    }
    for (const token of [null, 12345678, 'short', 'has spaces in it']) {
      await refused(
        { inspector: i, token },
        /option `token` must be a string of at least 8 printable .*\(the value is not shown\)$/,
      );
    }
    await refused({ inspector: i, host: null }, /option `host` must be a non-empty string/);
    await refused({ inspector: i, host: '' }, /option `host` must be a non-empty string/);
    await refused({ inspector: i, port: '8787' }, /option `port` must be an integer >= 0 and at most 65535/);
    await refused({ inspector: i, refreshMs: 99 }, /option `refreshMs` must be an integer >= 100/);
    await refused({ inspector: i, logger: console.log }, /option `logger` must be an object with debug/);
    await refused({ readOnly: true }, /option `inspector` is required/);
    await refused({ inspector: redis.url }, /option `inspector` must be an Inspector/);
    await refused({ inspector: null }, /option `inspector` must be an Inspector/);
    await refused(null, /startDashboard\(\) takes an options object as its first argument/);
    await refused(undefined, /option `inspector` is required/);
    await refused(i, /startDashboard\(\) takes an options object|unknown option/);
  });
});

describe('pages and headers', () => {
  it('serves the page, script and styles with a strict CSP and no inline script', async () => {
    const d = await start();
    const page = await http(d.url);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.doesNotMatch(page.body, /<script>|<script [^>]*>[^<]/, 'no inline script');
    const script = await http(`${d.url}assets/app.js`);
    assert.match(String(script.headers['content-type']), /^text\/javascript/);
    assert.doesNotMatch(script.body, /innerHTML|insertAdjacentHTML|outerHTML|document\.write/);
    assert.equal((await http(`${d.url}assets/app.css`)).status, 200);
  });

  it('answers unknown routes 404 and wrong methods 405, as JSON', async () => {
    const d = await start();
    for (const path of ['nope', 'api/nope', 'api/channels/x/nope', 'assets/other.js']) {
      const reply = await http(d.url + path);
      assert.equal(reply.status, 404, path);
      assert.deepEqual(JSON.parse(reply.body), { error: 'not found' });
    }
    const wrong = await http(`${d.url}api/channels/x/dlq/replay`);
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers['allow'], 'POST');
    assert.equal((await http(`${d.url}api/channels/no-such-channel`)).status, 404);
  });
});

describe('the JSON API and /metrics', () => {
  it('shows a dtpyfw-shaped channel: groups, lag, pending, consumers, dead letters', async () => {
    const channel = uniqueChannel('py');
    const { group, deadLetterId } = await knownState(channel);
    const d = await start();
    const reply = jsonOf<ChannelReply>(await http(`${d.url}api/channels/${encodeURIComponent(channel)}`));
    assert.equal(reply.channel.length, 5);
    assert.equal(reply.channel.deadLetters, 1);
    assert.equal(reply.channel.groups.length, 1);
    const g = reply.channel.groups[0]!;
    assert.equal(g.name, group);
    assert.equal(g.lag, 3);
    assert.equal(g.pending, 2);
    assert.equal(g.live, true);
    assert.deepEqual(
      g.consumers.map((k) => [k.name, k.pending]),
      [['py-1', 2]],
    );
    const dlq = jsonOf<DeadLettersReply>(await http(`${d.url}api/channels/${encodeURIComponent(channel)}/dlq`));
    assert.equal(dlq.total, 1);
    assert.equal(dlq.next, null);
    const letter = dlq.deadLetters[0]!;
    assert.equal(letter.deadLetterId, deadLetterId);
    assert.equal(letter.reason, 'handler-failed');
    assert.equal(letter.group, group);
    assert.equal(letter.error, 'boom');
    assert.equal(letter.stack, 'Error: boom\n    at h (app.py:1)');
    assert.equal(letter.fields['body'], '{"i":9}');
    const list = jsonOf<ChannelsReply>(await http(`${d.url}api/channels`));
    assert.ok(list.channels.some((c) => c.channel === channel));
    assert.ok(!list.channels.some((c) => c.channel.endsWith(':dlq')), 'no dead-letter stream');
  });

  it('/metrics exposes the known state in the Prometheus text format', async () => {
    const channel = uniqueChannel('prom');
    const { group } = await knownState(channel);
    const d = await start({ host: '0.0.0.0' });
    assert.equal((await http(`${baseOf(d)}/metrics`)).status, 401, 'the token is needed for /metrics too');
    const reply = await http(`${baseOf(d)}/metrics`, { headers: { Authorization: `Bearer ${d.token}` } });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const { samples, types } = parsePrometheus(reply.body);
    assert.ok([...types.values()].every((t) => t === 'gauge'));
    const ch = { channel };
    const cg = { channel, group };
    assert.equal(sampleOf(samples, 'redis_streamer_stream_length', ch), 5);
    assert.equal(sampleOf(samples, 'redis_streamer_dead_letters', ch), 1);
    assert.equal(sampleOf(samples, 'redis_streamer_group_lag', cg), 3);
    assert.equal(sampleOf(samples, 'redis_streamer_group_pending', cg), 2);
    assert.equal(sampleOf(samples, 'redis_streamer_group_consumers', cg), 1);
    assert.equal(sampleOf(samples, 'redis_streamer_group_live', cg), 1);
    const age = sampleOf(samples, 'redis_streamer_group_oldest_pending_age_seconds', cg);
    assert.ok(age >= 0 && age < 30, `oldest pending age ${age}`);
    assert.equal(sampleOf(samples, 'redis_streamer_consumer_pending', { ...cg, consumer: 'py-1' }), 2);
    const idle = sampleOf(samples, 'redis_streamer_consumer_idle_seconds', { ...cg, consumer: 'py-1' });
    assert.ok(idle >= 0 && idle < 30, `idle ${idle}`);
  });

  it('answers a server-side failure with a JSON message and no stack', async () => {
    const broken = new Inspector(redis.url);
    const d = await start({ inspector: broken });
    await broken.close();
    const reply = await http(`${d.url}api/channels/anything`);
    assert.equal(reply.status, 503);
    const body = JSON.parse(reply.body) as { error: string };
    assert.match(body.error, /Redis is unavailable/);
    assert.doesNotMatch(reply.body, /\bat .*\.ts:\d+/);
  });
});

describe('changing data: CSRF, origin, read-only', () => {
  async function setup(options: Partial<DashboardOptions> = {}) {
    const channel = uniqueChannel('act');
    const { deadLetterId } = await knownState(channel);
    const d = await start(options);
    const csrf = csrfOf((await http(d.url)).body);
    const url = (action: string) => `${d.url}api/channels/${encodeURIComponent(channel)}/dlq/${action}`;
    const post = (action: string, headers: Record<string, string>, body: unknown) =>
      http(url(action), { method: 'POST', headers, body: JSON.stringify(body) });
    return { channel, deadLetterId, csrf, post };
  }
  const json = { 'Content-Type': 'application/json' };

  it('refuses a POST without (or with a wrong) CSRF token, or from another origin: 403', async () => {
    const { channel, deadLetterId, csrf, post } = await setup();
    const body = { ids: [deadLetterId] };
    assert.equal((await post('purge', json, body)).status, 403);
    assert.equal((await post('replay', { ...json, 'X-CSRF-Token': 'forged' }, body)).status, 403);
    const crossOrigin = { ...json, 'X-CSRF-Token': csrf, Origin: 'http://evil.example' };
    assert.equal((await post('purge', crossOrigin, body)).status, 403);
    assert.equal(
      (await post('purge', { ...json, 'X-CSRF-Token': csrf, 'Sec-Fetch-Site': 'cross-site' }, body)).status,
      403,
    );
    assert.equal((await post('purge', { 'Content-Type': 'text/plain', 'X-CSRF-Token': csrf }, body)).status, 415);
    assert.equal(await redis.client.xlen(`{${channel}}:dlq`), 1, 'nothing purged');
    const bad = await post('purge', { ...json, 'X-CSRF-Token': csrf }, { ids: ['not-an-id'] });
    assert.equal(bad.status, 400);
    const ok = await post('purge', { ...json, 'X-CSRF-Token': csrf }, body);
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), { purged: 1 });
    assert.equal(await redis.client.xlen(`{${channel}}:dlq`), 0);
  });

  it('replays with the CSRF token to the group that failed (its replay stream)', async () => {
    const { channel, deadLetterId, csrf, post } = await setup();
    const reply = await post('replay', { ...json, 'X-CSRF-Token': csrf, Origin: 'http://127.0.0.1' }, { all: true });
    assert.equal(reply.status, 403, 'the Origin must match the Host (port included)');
    const ok = await post('replay', { ...json, 'X-CSRF-Token': csrf }, { all: true });
    assert.equal(ok.status, 200);
    const result = JSON.parse(ok.body) as { replayed: number; missing: string[] };
    assert.equal(result.replayed, 1);
    assert.deepEqual(result.missing, []);
    assert.equal(await redis.client.xlen(`{${channel}}:dlq`), 0);
    const replayed = await redis.client.xrange(`{${channel}}:replay:${channel}:py-svc:cg`, '-', '+');
    assert.equal(replayed.length, 1);
    assert.deepEqual(replayed[0]![1], ['name', 'order.created', 'body', '{"i":9}', 'rs-replay-of', '1-1']);
    assert.equal((await redis.client.xrange(`{${channel}}:dlq`, deadLetterId, deadLetterId)).length, 0);
  });

  it('answers 403 naming the missing right when its Redis user may not replay or purge (a monitor)', async () => {
    const user = `dash-monitor-${process.pid}`;
    await redis.client.call('ACL', 'SETUSER', user, 'reset', 'on', '>monitor-secret', ...aclRules({ role: 'monitor' }));
    const url = new URL(redis.url);
    const monitor = new Inspector(`redis://${user}:monitor-secret@${url.host}`);
    try {
      const { channel, deadLetterId, csrf, post } = await setup({ inspector: monitor });
      for (const action of ['replay', 'purge']) {
        const reply = await post(action, { ...json, 'X-CSRF-Token': csrf }, { ids: [deadLetterId] });
        assert.equal(reply.status, 403, `${action}: ${reply.body}`);
        assert.match(errorOf(reply), /may not do this: .*NOPERM/);
        assert.doesNotMatch(reply.body, /monitor-secret/);
      }
      assert.equal(await redis.client.xlen(`{${channel}}:dlq`), 1, 'nothing changed');
    } finally {
      await Promise.all(open.splice(0).map((d) => d.close()));
      await monitor.close();
      await redis.client.call('ACL', 'DELUSER', user);
    }
  });

  it('read-only refuses replay and purge (403) even with a valid CSRF token', async () => {
    const { channel, deadLetterId, csrf, post } = await setup({ readOnly: true });
    for (const action of ['replay', 'purge']) {
      const reply = await post(action, { ...json, 'X-CSRF-Token': csrf }, { ids: [deadLetterId] });
      assert.equal(reply.status, 403, action);
      assert.match(errorOf(reply), /read-only/);
    }
    assert.equal(await redis.client.xlen(`{${channel}}:dlq`), 1);
  });
});

describe('close()', () => {
  it('closes the server, every socket (keep-alive and half-sent ones) and the timer: the process exits by itself', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/dashboard/child-dashboard.ts', redis.url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => (child.kill('SIGKILL'), resolve(null)), 15_000);
      child.on('exit', (c) => (clearTimeout(timer), resolve(c)));
    });
    assert.equal(code, 0, `the child did not exit by itself: ${out}`);
    const report = JSON.parse(/^closed (.*)$/m.exec(out)?.[1] ?? 'null') as {
      status: number;
      closeMs: number;
      left: string[];
    };
    assert.equal(report.status, 200);
    assert.ok(report.closeMs < 2000, `close() took ${report.closeMs} ms`);
    assert.deepEqual(report.left, [], 'no handle left');
  });
});

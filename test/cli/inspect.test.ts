/**
 * The built CLI against a private server: `channels` and `groups` (tables and --json), a stream
 * written the way dtpyfw writes it, and the exit codes (0 ok, 1 Redis unreachable, 2 usage) with
 * errors in one line that never show a password.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import type { ChannelsJson, GroupsJson, TailJson } from '../../src/cli/shapes.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { freePort } from '../support/redis-server.js';
import { builtCli, cli, cliJson, LiveCli, startCli } from './support.js';

const redis = useRedis();
before(() => builtCli(), { timeout: 180_000 });

interface WireCase {
  readonly case: string;
  readonly name: string;
  readonly body: string;
  readonly expected: unknown;
}
const FIXTURES = JSON.parse(
  readFileSync(new URL('../fixtures/dtpyfw-wire.json', import.meta.url), 'utf8'),
) as readonly WireCase[];

function idMs(id: string): number {
  return Number(id.split('-')[0]);
}

describe('cli: channels', () => {
  it('lists channels with length, first and last entry time, groups and dead letters; not the library’s own streams', async () => {
    const channel = uniqueChannel('cli-ch');
    const s = redis.streamer('cli-ch-svc');
    await s.subscribe(channel);
    const first = await s.sendMessage(channel, { name: 'a', body: { n: 1 } });
    const last = await s.sendMessage(channel, { name: 'b', body: { n: 2 } }, { idempotencyKey: 'b' });
    await redis.client.xadd(`{${channel}}:dlq`, '*', 'name', 'x', 'body', '{}', 'dlq-group', 'g', 'dlq-id', first);

    const { channels } = await cliJson<ChannelsJson>(['channels'], { url: redis.url });
    const info = channels.find((c) => c.channel === channel);
    assert.ok(info, 'the channel is listed');
    assert.equal(info.length, 2);
    assert.equal(info.firstEntryMs, idMs(first));
    assert.equal(info.lastEntryMs, idMs(last));
    assert.equal(info.deadLetters, 1);
    assert.deepEqual(
      info.groups.map((g) => [g.name, g.live, g.lag, g.pending]),
      [[`${channel}:cli-ch-svc:cg`, true, 2, 0]],
    );
    assert.ok(!channels.some((c) => c.channel.includes(':dlq')), 'dead-letter streams are not channels');
    assert.equal(await redis.client.type(`{${channel}}:idem`), 'hash');
    assert.ok(!channels.some((c) => c.channel.includes(':idem')), 'the idempotency records are not a channel');

    const table = await cli(['channels'], { url: redis.url });
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.split('\n');
    assert.match(lines[0]!, /^CHANNEL\s+LENGTH\s+FIRST ENTRY\s+LAST ENTRY\s+GROUPS\s+STALE\s+DEAD LETTERS$/);
    const row = lines.find((l) => l.startsWith(`${channel} `));
    assert.ok(row, table.stdout);
    const when = new Date(idMs(first)).toISOString().replace('T', ' ');
    assert.deepEqual(row.split(/\s{2,}/), [
      channel,
      '2',
      when,
      new Date(idMs(last)).toISOString().replace('T', ' '),
      '1',
      '0',
      '1',
    ]);
  });
});

describe('cli: groups', () => {
  it('shows lag, pending, oldest pending age, live or stale, and consumers with idle times', async () => {
    const channel = uniqueChannel('cli-groups');
    const c = redis.client;
    await c.xgroup('CREATE', channel, 'live-g', '0', 'MKSTREAM');
    await c.xgroup('CREATE', channel, 'stale-g', '0');
    for (let i = 0; i < 3; i++) await c.xadd(channel, '*', 'name', 'n', 'body', String(i));
    await c.xreadgroup('GROUP', 'live-g', 'worker-1', 'COUNT', 2, 'STREAMS', channel, '>');
    await c.xreadgroup('GROUP', 'stale-g', 'old-worker', 'COUNT', 1, 'STREAMS', channel, '>');
    // stale-g was first seen long ago; its consumer goes idle past --stale-after below.
    await c.hset(`{${channel}}:groups`, 'stale-g', String(Date.now() - 86_400_000));
    // Both groups' consumers idle (and live-g's entries pending) for at least 250 ms, as Redis counts.
    await waitFor(async () => {
      const idle = await Promise.all(
        [
          ['live-g', 'worker-1'],
          ['stale-g', 'old-worker'],
        ].map(async ([group, name]) => {
          const consumers = (await c.xinfo('CONSUMERS', channel, group!)) as unknown[][];
          const consumer = consumers.find((x) => x[x.indexOf('name') + 1] === name)!;
          return Number(consumer[consumer.indexOf('idle') + 1]);
        }),
      );
      return idle.every((ms) => ms >= 250);
    }, 'the consumers idle for 250 ms');

    const out = await cliJson<GroupsJson>(['groups', channel, '--stale-after', '200ms'], { url: redis.url });
    assert.equal(out.channel, channel);
    assert.equal(out.staleGroupMs, 200);
    const [live, stale] = out.groups;
    assert.equal(live?.name, 'live-g');
    assert.equal(live.live, true, 'never recorded as first seen: live');
    assert.equal(live.lag, 1);
    assert.equal(live.pending, 2);
    assert.ok(live.oldestPendingAgeMs !== null && live.oldestPendingAgeMs >= 250, String(live.oldestPendingAgeMs));
    assert.deepEqual(
      live.consumers.map((x) => [x.name, x.pending]),
      [['worker-1', 2]],
    );
    assert.ok(live.consumers[0]!.idleMs >= 250);
    assert.equal(stale?.name, 'stale-g');
    assert.equal(stale.live, false);
    assert.equal(stale.lag, 2);

    const table = await cli(['groups', channel, '--stale-after', '200ms'], { url: redis.url });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^GROUP\s+STATE\s+LAG\s+PENDING\s+OLDEST PENDING\s+CONSUMERS\s+LAST DELIVERED$/m);
    assert.match(table.stdout, /^live-g\s+live\s+1\s+2\s+\S+\s+1\s+\d+-\d+$/m);
    assert.match(table.stdout, /^stale-g\s+stale\s+2\s+1\s+/m);
    assert.match(table.stdout, /^live-g\s+worker-1\s+2\s+\d+(ms|s)\s+stale$/m, 'idle past --stale-after');
  });

  it('says so when a channel has no groups', async () => {
    const channel = uniqueChannel('cli-nogroups');
    await redis.client.xadd(channel, '*', 'name', 'n', 'body', '{}');
    const table = await cli(['groups', channel], { url: redis.url });
    assert.equal(table.code, 0);
    assert.equal(table.stdout, `channel ${channel} has no consumer groups\n`);
  });
});

describe('cli: a stream written by dtpyfw', () => {
  it("shows dtpyfw's group and consumer, and tails its entries decoded as consumers decode them", async () => {
    const channel = uniqueChannel('cli-dtpyfw');
    const group = `${channel}:billing-service:cg`;
    const consumer = 'billing-service.pod-7.4242.deadbeef';
    const c = redis.client;
    await c.xgroup('CREATE', channel, group, '$', 'MKSTREAM');
    const cases = FIXTURES.filter((f) => ['nested dict', 'unicode text', 'float tokens in an object'].includes(f.case));
    assert.equal(cases.length, 3);
    for (const f of cases) await c.xadd(channel, '*', 'name', f.name, 'body', f.body);
    await c.xreadgroup('GROUP', group, consumer, 'COUNT', 1, 'STREAMS', channel, '>');

    const { groups } = await cliJson<GroupsJson>(['groups', channel], { url: redis.url });
    assert.deepEqual(
      groups.map((g) => [g.name, g.lag, g.pending, g.consumers.map((x) => x.name)]),
      [[group, 2, 1, [consumer]]],
    );

    const json = new LiveCli(await startCli(['tail', channel, '--from-start', '--json'], { url: redis.url }));
    await json.waitFor(/(.*\n){3}/);
    json.child.kill('SIGINT');
    const done = await json.done;
    assert.equal(done.code, 0, done.stderr);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TailJson);
    assert.deepEqual(
      lines.map((l) => [l.name, l.error, l.fields]),
      cases.map((f) => [f.name, null, {}]),
    );
    assert.deepEqual(lines[0]!.body, cases[0]!.expected);
    assert.deepEqual(lines[1]!.body, cases[1]!.expected);
    assert.deepEqual(lines[2]!.body, { nan: null, inf: null, ninf: null }, 'JSON has no NaN: null in body');
    assert.deepEqual(
      lines.map((l) => l.bodyText),
      cases.map((f) => f.body),
      'bodyText is the body as stored',
    );

    const human = new LiveCli(await startCli(['tail', channel, '--from-start'], { url: redis.url }));
    await human.waitFor(/(.*\n){3}/);
    human.child.kill('SIGINT');
    assert.equal((await human.done).code, 0);
    assert.match(human.stdout, /order\.created {2}\{"city":"Montréal","emoji":"😀","mixed":"café ☕ ✓"\}/);
    assert.match(human.stdout, /m {2}\{"nan":NaN,"inf":Infinity,"ninf":-Infinity\}/);

    const after = await cliJson<GroupsJson>(['groups', channel], { url: redis.url });
    assert.deepEqual(
      after.groups.map((g) => [g.name, g.lag, g.pending, g.lastDeliveredId, g.consumers.length]),
      [[group, 2, 1, groups[0]!.lastDeliveredId, 1]],
      'tailing consumed nothing, and created no group or consumer',
    );
  });
});

describe('cli: exit codes and errors', () => {
  it('exits 1 with one line when Redis is unreachable or refuses the login, never printing the password', async () => {
    const url = `redis://admin:hunter2-secret@127.0.0.1:${await freePort()}/0`;
    const commands = [['channels'], ['groups', 'x'], ['dlq', 'list', 'x'], ['publish', 'x', 'n', '{}'], ['tail', 'x']];
    const results = await Promise.all(commands.map((args) => cli(args, { url })));
    results.forEach((result, i) => {
      assert.equal(result.code, 1, `${commands[i]!.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /^redis-streamer: .*127\.0\.0\.1:\d+.*\n$/, result.stderr);
      assert.doesNotMatch(result.stderr, /hunter2/);
    });
    const login = new URL(redis.url);
    login.username = 'admin';
    login.password = 'hunter2-secret';
    const wrongLogin = login.toString();
    const [verbose, badUrl, refused] = await Promise.all([
      cli(['channels', '--verbose', '--url', url]),
      cli(['channels', '--url', 'redis://admin:hunter2-secret@127.0.0.1:99999']),
      cli(['channels', '--verbose', '--url', wrongLogin]),
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^redis-streamer: .*refused the login of user "admin"/);
    assert.doesNotMatch(refused.stderr, /hunter2/);
    assert.equal(verbose.code, 1);
    assert.match(verbose.stderr, /\n\s+at /, 'a stack with --verbose');
    assert.doesNotMatch(verbose.stderr, /hunter2/);
    assert.equal(badUrl.code, 2);
    assert.doesNotMatch(badUrl.stderr, /hunter2/);
    assert.match(badUrl.stderr, /admin:\*\*\*@/);
  });

  it('exits 2 on usage errors, with one line', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['channels', '--bogus'], /unknown option '--bogus'/],
      [['nope'], /unknown command 'nope'/],
      [['groups'], /missing required argument 'channel'/],
      [['trim', 'orders'], /required option '--retention <duration>' not specified/],
      [['trim', 'orders', '--retention', '7x'], /"7x" is not a duration/],
      [['trim', 'orders', '--retention', '7'], /"7" is not a duration/],
      [['dlq', 'replay', 'orders'], /give the dead-letter ids to replay, or --all/],
      [['dlq', 'purge', 'orders', '1-0', '--all'], /not both/],
      [['channels', '--url', 'http://example.com'], /redis:\/\/ or rediss:\/\//],
      [['channels', '--tls-ca', '/nonexistent/ca.pem'], /cannot read the --tls-ca file/],
      [['dashboard', '--port', 'eighty'], /not a whole number/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args, { url: redis.url })));
    results.forEach((result, i) => {
      const [args, message] = cases[i]!;
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    });
    const none = await cli([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage: redis-streamer/);
  });

  it('exits 0 for --help and --version', async () => {
    const [help, version] = await Promise.all([cli(['--help']), cli(['--version'])]);
    assert.equal(help.code, 0);
    for (const command of ['channels', 'groups', 'tail', 'publish', 'dlq', 'trim', 'dashboard']) {
      assert.match(help.stdout, new RegExp(`^\\s+${command}\\b`, 'm'));
    }
    assert.equal(version.code, 0);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(version.stdout.trim(), pkg.version);
  });
});

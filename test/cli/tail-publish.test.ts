/**
 * The built CLI's `tail` (follows without consuming, decodes, ends cleanly on Ctrl-C, survives
 * dropped connections) and `publish` (inline, @file, stdin; bad bodies refused with exit 2).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PublishJson, TailJson } from '../../src/cli/shapes.js';
import { uniqueChannel, useRedis } from '../support/harness.js';
import { builtCli, cli, cliJson, LiveCli, startCli } from './support.js';

const redis = useRedis();
before(() => builtCli(), { timeout: 180_000 });
const dir = mkdtempSync(join(tmpdir(), 'redis-streamer-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function tail(args: readonly string[]): Promise<LiveCli> {
  const live = new LiveCli(await startCli(['tail', ...args], { url: redis.url }));
  await live.waitFor(/^following /m, 'stderr');
  return live;
}

describe('cli: tail', () => {
  it('prints entries published after it started, decoded; filters by name; exits 0 on Ctrl-C', async () => {
    const channel = uniqueChannel('cli-tail');
    await redis.client.xadd(channel, '*', 'name', 'before.start', 'body', '{"old": true}');
    const group = `${channel}:watcher:cg`;
    await redis.client.xgroup('CREATE', channel, group, '$');
    const human = await tail([channel]);
    const json = await tail([channel, '--json', '--name', 'order.paid']);

    const created = await cliJson<PublishJson>(
      ['publish', channel, 'order.created', '{"orderId": "A-1", "total": 5}'],
      {
        url: redis.url,
      },
    );
    await redis.client.xadd(channel, '*', 'name', 'order.paid', 'body', '{"orderId": "A-1"}', 'traceparent', 't-1');
    await human.waitFor(/order\.paid/);
    await json.waitFor(/order\.paid/);
    const stoppedAt = Date.now();
    human.child.kill('SIGINT');
    json.child.kill('SIGINT');
    const [h, j] = await Promise.all([human.done, json.done]);
    assert.ok(Date.now() - stoppedAt < 3000, 'Ctrl-C ends the wait at once');
    assert.equal(h.code, 0, h.stderr);
    assert.equal(j.code, 0, j.stderr);

    const lines = human.stdout.trim().split('\n');
    assert.equal(lines.length, 2, human.stdout);
    assert.match(
      lines[0]!,
      new RegExp(`^\\S+ \\S+Z  ${created.id}  order\\.created  \\{"orderId":"A-1","total":5\\}$`),
    );
    assert.match(lines[1]!, / {2}order\.paid {2}\{"orderId":"A-1"\} {2}traceparent=t-1$/);
    assert.doesNotMatch(human.stdout, /before\.start/, 'only entries appended after it started');

    const records = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TailJson);
    assert.equal(records.length, 1, json.stdout);
    assert.deepEqual(
      { ...records[0]!, id: '', timeMs: 0 },
      {
        channel,
        id: '',
        timeMs: 0,
        name: 'order.paid',
        body: { orderId: 'A-1' },
        bodyText: '{"orderId": "A-1"}',
        fields: { traceparent: 't-1' },
        error: null,
      },
    );
    const [info] = (await redis.client.xinfo('GROUPS', channel)) as unknown[][];
    assert.equal(info![info!.indexOf('pending') + 1], 0);
    assert.equal(info![info!.indexOf('lag') + 1], 2, 'tail consumed nothing');
  });

  it('shows entries a consumer would dead-letter, with the reason', async () => {
    const channel = uniqueChannel('cli-tail-bad');
    await redis.client.xadd(channel, '*', 'name', 'ok', 'body', '[1, NaN]');
    await redis.client.xadd(channel, '*', 'body', '{}');
    await redis.client.xadd(channel, '*', 'name', 'bad', 'body', '{"a":');
    const live = await tail([channel, '--from-start', '--json']);
    await live.waitFor(/(.*\n){3}/);
    live.child.kill('SIGINT');
    assert.equal((await live.done).code, 0);
    const records = live.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TailJson);
    assert.deepEqual(
      records.map((r) => [r.name, r.body, r.bodyText, r.error?.reason ?? null]),
      [
        ['ok', [1, null], '[1, NaN]', null],
        [null, null, '{}', 'missing-name'],
        ['bad', null, '{"a":', 'invalid-json'],
      ],
    );
  });

  it('says when the channel is not there yet (a typo would wait unsaid), and prints its first entry', async () => {
    const channel = uniqueChannel('cli-tail-new');
    const live = await tail([channel]);
    await live.waitFor(
      new RegExp(`there is no channel ${channel} on redis://.* yet: waiting for its first entry`),
      'stderr',
    );
    await redis.client.xadd(channel, '*', 'name', 'first.one', 'body', '{}');
    await live.waitFor(/first\.one/);
    live.child.kill('SIGINT');
    const done = await live.done;
    assert.equal(done.code, 0, done.stderr);
  });

  it('keeps following after its connections are killed', async () => {
    const channel = uniqueChannel('cli-tail-kill');
    const live = await tail([channel]);
    await redis.client.xadd(channel, '*', 'name', 'first', 'body', '1');
    await live.waitFor(/first/);
    await redis.client.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await redis.client.xadd(channel, '*', 'name', 'second', 'body', '2');
    await live.waitFor(/second/);
    live.child.kill('SIGINT');
    const done = await live.done;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(live.stdout.trim().split('\n').length, 2, live.stdout);
    assert.match(done.stderr, /^redis-streamer: .*; retrying$/m, 'the dropped connection was noticed');
  });
});

describe('cli: publish', () => {
  it('publishes inline, from @file and from stdin (-), printing the id; dtpyfw NaN tokens kept', async () => {
    const channel = uniqueChannel('cli-pub');
    const file = join(dir, 'body.json');
    writeFileSync(file, '{\n  "orderId": "F-1",\n  "items": [1, 2]\n}\n');
    const [inline, fromFile, fromStdin] = await Promise.all([
      cli(['publish', channel, 'inline.event', '{"n": NaN}'], { url: redis.url }),
      cli(['publish', channel, 'file.event', `@${file}`], { url: redis.url }),
      cli(['publish', channel, 'stdin.event', '-', '--json'], { url: redis.url, input: '{"from": "stdin", "ü": 1}' }),
    ]);
    for (const r of [inline, fromFile, fromStdin]) assert.equal(r.code, 0, r.stderr);
    const ids = [inline.stdout, fromFile.stdout].map((out) => {
      assert.match(out, /^\d+-\d+\n$/);
      return out.trim();
    });
    const published = JSON.parse(fromStdin.stdout) as PublishJson;
    assert.equal(published.channel, channel);
    const byId = new Map(await redis.client.xrange(channel, '-', '+'));
    assert.equal(byId.size, 3);
    assert.deepEqual(byId.get(ids[0]!), ['name', 'inline.event', 'body', '{"n":NaN}']);
    assert.deepEqual(byId.get(ids[1]!), ['name', 'file.event', 'body', '{"orderId":"F-1","items":[1,2]}']);
    assert.deepEqual(byId.get(published.id), ['name', 'stdin.event', 'body', '{"from":"stdin","ü":1}']);
  });

  it('refuses a body that is not JSON, empty, unreadable, or with an integer JavaScript would change, and an empty name (exit 2), appending nothing', async () => {
    const channel = uniqueChannel('cli-pub-bad');
    const results = await Promise.all([
      cli(['publish', channel, 'e', '{"a": '], { url: redis.url }),
      cli(['publish', channel, 'e', '-'], { url: redis.url, input: 'not json' }),
      cli(['publish', channel, 'e', '-'], { url: redis.url, input: '' }),
      cli(['publish', channel, 'e', `@${join(dir, 'missing.json')}`], { url: redis.url }),
      cli(['publish', channel, '', '{}'], { url: redis.url }),
      cli(['publish', channel, 'e', '{"s": "12345678901234567890", "id": 12345678901234567890}'], { url: redis.url }),
      cli(['publish', channel, 'e', '-'], { url: redis.url, input: '[1.5e300, -10000000000000000000000]' }),
    ]);
    const messages = [
      /the body is not valid JSON/,
      /the body from stdin is not valid JSON/,
      /is empty/,
      /cannot read/,
      /message name must not be empty/,
      /the body has the number 12345678901234567890, which a JavaScript number cannot keep .* published as 12345678901234567000; write it as a string \("12345678901234567890"\)/,
      /the body from stdin has the number -10000000000000000000000, .* published as -1e\+22/,
    ];
    results.forEach((r, i) => {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, messages[i]!);
    });
    assert.equal(await redis.client.exists(channel), 0);
  });

  it('publishes once per --key (a repeat prints the first id); --replicas fails (exit 1) when none acknowledge', async () => {
    const channel = uniqueChannel('cli-pub-key');
    const first = await cli(['publish', channel, 'e', '{"n": 1}', '--key', 'order-7'], { url: redis.url });
    const again = await cli(['publish', channel, 'e', '{"n": 2}', '--key', 'order-7'], { url: redis.url });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(again.code, 0, again.stderr);
    assert.match(first.stdout, /^\d+-\d+\n$/);
    assert.equal(again.stdout, first.stdout, 'the repeat resolves to the first id');
    assert.equal(await redis.client.xlen(channel), 1);

    // The test server has no replica: the entry is appended, the wait fails, and that is said.
    const waited = await cli(['publish', channel, 'e', '{}', '--replicas', '1', '--replica-timeout', '200ms'], {
      url: redis.url,
    });
    assert.equal(waited.code, 1, waited.stderr);
    assert.match(waited.stderr, /replica/i);
    assert.equal(await redis.client.xlen(channel), 2, 'the entry is on the primary all the same');
    const bad = await cli(['publish', channel, 'e', '{}', '--replicas', 'two'], { url: redis.url });
    assert.equal(bad.code, 2, bad.stderr);
  });
});

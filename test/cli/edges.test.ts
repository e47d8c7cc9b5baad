/**
 * The built CLI at its edges (issue 17, item 7): exit codes for unknown dead-letter ids and a
 * malformed URL, names from Redis that hold terminal control sequences (escaped in every human
 * output, exact in `--json`), and a huge name that must not widen every line of a table.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ChannelsJson, DlqListJson, DlqPurgeJson, DlqReplayJson, TailJson } from '../../src/cli/shapes.js';
import { uniqueChannel, useRedis } from '../support/harness.js';
import { builtCli, cli, LiveCli, startCli, type CliResult } from './support.js';

const redis = useRedis();
before(() => builtCli(), { timeout: 180_000 });

/** Any character a terminal obeys or reorders text by (the line feed aside). */
const RAW_CONTROL = new RegExp(
  String.raw`[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]`,
);

/** Clears the screen and turns the text red, then hides the rest (NUL), reverses it (U+202E) and sends an 8-bit CSI. */
const HOSTILE = '\u001b[2J\u001b[31mEVIL\u0000\u202egpj.exe\u009b31m\u007f';
const HOSTILE_SHOWN = String.raw`\x1b[2J\x1b[31mEVIL\x00\u202egpj.exe\x9b31m\x7f`;

/** Writes a dead letter as the library records it. */
async function deadLetter(channel: string, fields: Record<string, string> = {}): Promise<string> {
  const record = {
    'dlq-id': '1-1',
    'dlq-channel': channel,
    'dlq-group': `${channel}:svc:cg`,
    'dlq-consumer': 'svc-1',
    'dlq-reason': 'handler-failed',
    'dlq-error': 'boom',
    'dlq-attempts': '1',
    name: 'order.created',
    body: '{}',
    ...fields,
  };
  return (await redis.client.xadd(`{${channel}}:dlq`, '*', ...Object.entries(record).flat())) as string;
}

function assertPrintable(result: CliResult, what: string): void {
  assert.doesNotMatch(result.stdout, RAW_CONTROL, `${what}: stdout holds a raw control character`);
  assert.doesNotMatch(result.stderr, RAW_CONTROL, `${what}: stderr holds a raw control character`);
}

describe('cli: exit codes at the edges', () => {
  it('dlq purge and replay of an unknown id exit 1 and list it; the known ones are still changed', async () => {
    const channel = uniqueChannel('cli-edge-dlq');
    const [a, b] = [await deadLetter(channel), await deadLetter(channel)];
    const url = redis.url;

    const purgeUnknown = await cli(['dlq', 'purge', channel, '1-0', '--yes'], { url });
    assert.equal(purgeUnknown.code, 1, purgeUnknown.stderr);
    assert.equal(purgeUnknown.stdout, `purged 0 dead letters of ${channel}\n`);
    assert.equal(purgeUnknown.stderr, `redis-streamer: no such dead letter of ${channel}: 1-0\n`);

    const purgeMixed = await cli(['dlq', 'purge', channel, a, '2-0', '--yes', '--json'], { url });
    assert.equal(purgeMixed.code, 1, purgeMixed.stderr);
    assert.deepEqual(JSON.parse(purgeMixed.stdout) as DlqPurgeJson, { channel, purged: 1, missing: ['2-0'] });
    assert.match(purgeMixed.stderr, /no such dead letter of .*: 2-0\n$/);
    assert.equal(await redis.client.xlen(`{${channel}}:dlq`), 1, 'the known one was purged');

    const replayUnknown = await cli(['dlq', 'replay', channel, '3-0', '--yes'], { url });
    assert.equal(replayUnknown.code, 1, replayUnknown.stderr);
    assert.equal(replayUnknown.stderr, `redis-streamer: no such dead letter of ${channel}: 3-0\n`);

    const purgeKnown = await cli(['dlq', 'purge', channel, b, b, '--yes', '--json'], { url });
    assert.equal(purgeKnown.code, 0, purgeKnown.stderr);
    assert.deepEqual(JSON.parse(purgeKnown.stdout) as DlqPurgeJson, { channel, purged: 1, missing: [] });

    // Every dead letter is gone, and the channel had none of its entries here: nothing of it is left.
    const nothingLeft = await cli(['dlq', 'replay', channel, '--all', '--yes'], { url });
    assert.equal(nothingLeft.code, 1, nothingLeft.stderr);
    assert.match(nothingLeft.stderr, new RegExp(`^redis-streamer: there is no channel ${channel} on redis://`));
    await redis.client.xadd(channel, '*', 'name', 'n', 'body', '{}');
    const replayAllEmpty = await cli(['dlq', 'replay', channel, '--all', '--yes', '--json'], { url });
    assert.equal(replayAllEmpty.code, 0, replayAllEmpty.stderr);
    assert.deepEqual((JSON.parse(replayAllEmpty.stdout) as DlqReplayJson).missing, []);
  });

  it('a channel that is not there (a typo) fails (exit 1) naming the server, where it would read as empty', async () => {
    const channel = uniqueChannel('cli-edge-typo');
    const url = redis.url;
    const commands = [
      ['groups', channel],
      ['dlq', 'list', channel],
      ['dlq', 'replay', channel, '--all', '--yes'],
      ['dlq', 'purge', channel, '--all', '--yes'],
      ['trim', channel, '--retention', '1d', '--dry-run'],
      ['trim', channel, '--retention', '1d'],
    ];
    for (const args of commands) {
      const r = await cli(args, { url });
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '', args.join(' '));
      assert.equal(
        r.stderr,
        `redis-streamer: there is no channel ${channel} on ${url}/0: no entries, consumer groups or dead letters (redis-streamer channels lists them)\n`,
      );
    }
    await redis.client.xadd(channel, '*', 'name', 'n', 'body', '{}');
    const groups = await cli(['groups', channel], { url });
    assert.equal(groups.code, 0, groups.stderr);
    assert.equal(groups.stdout, `channel ${channel} has no consumer groups\n`);
  });

  it('a text that is not a dead-letter id is a usage error (exit 2), and nothing is changed', async () => {
    const channel = uniqueChannel('cli-edge-dlq-id');
    const id = await deadLetter(channel);
    for (const args of [
      ['dlq', 'purge', channel, id, 'abc', '--yes'],
      ['dlq', 'replay', channel, '1', '--yes'],
      ['dlq', 'show', channel, 'not-an-id'],
    ]) {
      const result = await cli(args, { url: redis.url });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^redis-streamer: dlq \w+: not a dead-letter id: \S+ \(ids look like/);
    }
    assert.equal(await redis.client.xlen(`{${channel}}:dlq`), 1);
  });

  it('a malformed --url or REDIS_URL exits 2 (usage), never showing the password', async () => {
    const bad = 'redis://admin:hunter2-secret%ZZ@127.0.0.1:6379';
    for (const result of [
      await cli(['channels', '--url', bad]),
      await cli(['channels'], { url: bad }),
      await cli(['dlq', 'purge', 'x', '1-0', '--yes', '--url', bad]),
    ]) {
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /^redis-streamer: .*(not valid|malformed percent-escape).*\n$/);
      assert.doesNotMatch(result.stderr, /hunter2/);
    }
  });
});

describe('cli: terminal safety', () => {
  it('escapes control characters from Redis in tables, details and errors; --json keeps exact values', async () => {
    // A command line cannot hold a NUL: the channel has the rest (names inside it have all).
    const channel = `${uniqueChannel('cli-edge')}${HOSTILE.replace('\u0000', '')}`;
    await redis.client.xadd(channel, '*', 'name', HOSTILE, 'body', '{}');
    await redis.client.xgroup('CREATE', channel, `grp${HOSTILE}`, '0');
    await redis.client.xreadgroup('GROUP', `grp${HOSTILE}`, `consumer${HOSTILE}`, 'COUNT', 1, 'STREAMS', channel, '>');
    await deadLetter(channel, {
      'dlq-group': `grp${HOSTILE}`,
      'dlq-consumer': `consumer${HOSTILE}`,
      'dlq-error': `error${HOSTILE}\nsecond line`,
      'dlq-stack': `Error: ${HOSTILE}\n    at handler (app.js:1)`,
      name: HOSTILE,
      [`field${HOSTILE}`]: `value${HOSTILE}`,
    });
    const url = redis.url;
    const [channels, groups, list, json] = await Promise.all([
      cli(['channels'], { url }),
      cli(['groups', channel], { url }),
      cli(['dlq', 'list', channel], { url }),
      cli(['channels', '--json'], { url }),
    ]);
    const dlqId = (JSON.parse((await cli(['dlq', 'list', channel, '--json'], { url })).stdout) as DlqListJson)
      .deadLetters[0]!.deadLetterId;
    const [show, missing] = await Promise.all([
      cli(['dlq', 'show', channel, dlqId], { url }),
      cli(['dlq', 'show', channel, '1-1'], { url }),
    ]);
    for (const [what, result] of Object.entries({ channels, groups, list, show, missing })) {
      assertPrintable(result, what);
    }
    assert.ok(channels.stdout.includes(HOSTILE_SHOWN.replace('\\x00', '')), channels.stdout);
    assert.ok(groups.stdout.includes(`grp${HOSTILE_SHOWN}`), groups.stdout);
    assert.ok(groups.stdout.includes(`consumer${HOSTILE_SHOWN}`), groups.stdout);
    assert.ok(show.stdout.includes(`error${HOSTILE_SHOWN}\\nsecond line`), show.stdout);
    assert.ok(show.stdout.includes(`field${HOSTILE_SHOWN}  value${HOSTILE_SHOWN}`), show.stdout);
    assert.match(show.stdout, /^stack:\n {2}Error: \\x1b\[2J.*\n {6}at handler \(app\.js:1\)\n$/m);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^redis-streamer: channel cli-edge-\S+\\x1b\[2J.* has no dead letter 1-1\n$/);
    const parsed = JSON.parse(json.stdout) as ChannelsJson;
    assert.ok(
      parsed.channels.some((c) => c.channel === channel),
      '--json holds the exact name',
    );
    assert.doesNotMatch(json.stdout, RAW_CONTROL, '--json escapes them in JSON');
  });

  it('tail prints event names, bodies and fields escaped, on one line each', async () => {
    const channel = `${uniqueChannel('cli-edge-tail')}\u001b[2J`;
    const human = new LiveCli(await startCli(['tail', channel], { url: redis.url }));
    const json = new LiveCli(await startCli(['tail', channel, '--json'], { url: redis.url }));
    await human.waitFor(/^following /m, 'stderr');
    await json.waitFor(/^following /m, 'stderr');
    await redis.client.xadd(channel, '*', 'name', HOSTILE, 'body', JSON.stringify({ text: HOSTILE }), 'f\u0000', 'v\n');
    await redis.client.xadd(channel, '*', 'name', 'x', 'body', 'not json\u001b[31m');
    await human.waitFor(/not json/);
    await json.waitFor(/not json/);
    human.child.kill('SIGINT');
    json.child.kill('SIGINT');
    const [h, j] = await Promise.all([human.done, json.done]);
    assert.equal(h.code, 0, h.stderr);
    assertPrintable(h, 'tail');
    assert.ok(h.stderr.includes('following cli-edge-tail'), h.stderr);
    const lines = h.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2, h.stdout);
    assert.ok(lines[0]!.includes(`  ${HOSTILE_SHOWN}  {"text":"`), lines[0]);
    assert.ok(lines[0]!.endsWith(String.raw`  f\x00=v\n`), lines[0]);
    assert.ok(lines[1]!.includes(String.raw`not json\x1b[31m`), lines[1]);
    assert.doesNotMatch(j.stdout, RAW_CONTROL);
    const first = JSON.parse(j.stdout.split('\n')[0]!) as TailJson;
    assert.equal(first.name, HOSTILE, '--json keeps the exact name');
    assert.deepEqual(first.fields, { 'f\u0000': 'v\n' });
  });
});

describe('cli: table widths', () => {
  it('a 200,000-character channel name is cut in the table, whole in --json', async () => {
    const long = `${uniqueChannel('cli-edge-long')}-${'x'.repeat(200_000)}`;
    await redis.client.xadd(long, '*', 'name', 'n', 'body', '{}');
    const [table, json] = await Promise.all([
      cli(['channels'], { url: redis.url }),
      cli(['channels', '--json'], { url: redis.url }),
    ]);
    assert.equal(table.code, 0, table.stderr);
    const widest = Math.max(...table.stdout.split('\n').map((l) => l.length));
    assert.ok(widest <= 160, `the widest line is ${widest} characters`);
    assert.match(table.stdout, /^cli-edge-long\S*x…  +1 /m);
    assert.ok((JSON.parse(json.stdout) as ChannelsJson).channels.some((c) => c.channel === long));
  });
});

/**
 * `trim` with the library's group-aware rule: the built CLI's dry run changes nothing and says
 * what would go, the real run removes only what every live group has read and acknowledged (and
 * what only stale groups still wanted). Below it, the retention script's dry run checked against
 * real runs: exact counts equal what a real run removes, bounded counts never exceed it.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TrimJson } from '../../src/cli/shapes.js';
import { RedisInstance } from '../../src/index.js';
import {
  previewTrim,
  trimChannel,
  type RetentionPreview,
  type RetentionResult,
  type RetentionRule,
} from '../../src/maintenance/retention.js';
import { uniqueChannel, useRedis } from '../support/harness.js';
import { builtCli, cli, cliJson } from './support.js';

const redis = useRedis();
before(() => builtCli(), { timeout: 180_000 });
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function serverNowMs(): Promise<number> {
  const [s, us] = await redis.client.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** Appends `count` entries `agoMs` in the past (ids `<ms>-0`, `<ms>-1`...). */
async function addOld(
  key: string,
  agoMs: number,
  count: number,
  fields: string[] = ['name', 'old'],
): Promise<string[]> {
  const base = (await serverNowMs()) - agoMs;
  const pipeline = redis.client.pipeline();
  const ids = Array.from({ length: count }, (_, i) => `${base}-${i}`);
  for (const [i, id] of ids.entries()) pipeline.xadd(key, id, ...fields, 'body', String(i));
  await pipeline.exec();
  return ids;
}

/** Everything the trim may change, to compare before and after a dry run. */
async function snapshot(channel: string): Promise<unknown> {
  const c = redis.client;
  return {
    entries: await c.xrange(channel, '-', '+'),
    groups: await c.xinfo('GROUPS', channel),
    firstSeen: await c.hgetall(`{${channel}}:groups`),
    deadLetters: await c.xrange(`{${channel}}:dlq`, '-', '+'),
  };
}

describe('cli: trim', () => {
  it('--dry-run changes nothing; the real trim removes only what no live group still needs', async () => {
    const channel = uniqueChannel('cli-trim');
    const c = redis.client;
    await c.xgroup('CREATE', channel, 'svc-a', '0', 'MKSTREAM');
    await c.xgroup('CREATE', channel, 'svc-c', '0');
    const old = await addOld(channel, 2 * DAY, 10);
    const recent = [
      await c.xadd(channel, '*', 'name', 'new', 'body', '1'),
      await c.xadd(channel, '*', 'name', 'new', 'body', '2'),
    ];
    // svc-a read 7 and acknowledged 6 (old[6] is pending); svc-c read and acknowledged 4.
    await c.xreadgroup('GROUP', 'svc-a', 'a-1', 'COUNT', 7, 'STREAMS', channel, '>');
    await c.xack(channel, 'svc-a', ...old.slice(0, 6));
    await c.xreadgroup('GROUP', 'svc-c', 'c-1', 'COUNT', 4, 'STREAMS', channel, '>');
    await c.xack(channel, 'svc-c', ...old.slice(0, 4));
    // svc-b: stale (first seen two days ago, no consumer, last delivery two days old), at old[2].
    await c.xgroup('CREATE', channel, 'svc-b', old[2]!);
    await c.hset(`{${channel}}:groups`, 'svc-b', String((await serverNowMs()) - 2 * DAY));
    await addOld(`{${channel}}:dlq`, 2 * DAY, 2, ['dlq-group', 'svc-a']);
    await c.xadd(`{${channel}}:dlq`, '*', 'dlq-group', 'svc-a', 'body', 'x');

    const args = ['trim', channel, '--retention', '1h', '--dead-letter-retention', '1d'];
    const before = await snapshot(channel);
    const dry = await cliJson<TrimJson>([...args, '--dry-run'], { url: redis.url });
    const human = await cli([...args, '--dry-run'], { url: redis.url });
    assert.deepEqual(await snapshot(channel), before, 'the dry run changed nothing');
    const expected = {
      channel,
      retentionMs: HOUR,
      removedRead: 3, // old[0..2]: every group had them (svc-b is at old[2])
      removedUnreadStale: 1, // old[3]: only the stale svc-b had not read it
      removedUnreadMaxLen: 0,
      staleGroups: ['svc-b'],
      deadLettersDropped: 2,
      exact: { removedRead: true, removedUnreadStale: true, removedUnreadMaxLen: true, deadLettersDropped: true },
    };
    assert.deepEqual(dry, { ...expected, dryRun: true, length: 12 });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^dry run: .* would remove entries older than 1h$/m);
    assert.match(human.stdout, /read and acknowledged by every group: 3$/m);
    assert.match(human.stdout, /unread by stale groups or dead consumers only: 1$/m);
    assert.match(human.stdout, /stale groups \(not holding entries back\): svc-b$/m);
    assert.match(human.stdout, /nothing was changed$/m);

    const real = await cliJson<TrimJson>(args, { url: redis.url });
    assert.deepEqual(real, { ...expected, dryRun: false, length: 8 });
    assert.deepEqual(
      (await c.xrange(channel, '-', '+')).map(([id]) => id),
      [...old.slice(4), ...recent],
      'old[4] (unread by svc-c) and old[6] (pending on svc-a) stay',
    );
    assert.equal(await c.xlen(`{${channel}}:dlq`), 1);
  });

  it('--dry-run on a long stream: exact near either end, a lower bound in the middle', async () => {
    const channel = uniqueChannel('cli-trim-long');
    const c = redis.client;
    await c.xgroup('CREATE', channel, 'svc', '0', 'MKSTREAM');
    await addOld(channel, 2 * DAY, 3000);
    await c.xreadgroup('GROUP', 'svc', 'w', 'COUNT', 1500, 'NOACK', 'STREAMS', channel, '>');
    const args = ['trim', channel, '--retention', '1h', '--dry-run'];
    const [bounded, wide, human] = await Promise.all([
      cliJson<TrimJson>([...args, '--count-limit', '100'], { url: redis.url }),
      cliJson<TrimJson>([...args, '--count-limit', '2000'], { url: redis.url }),
      cli([...args, '--count-limit', '100'], { url: redis.url }),
    ]);
    assert.deepEqual([bounded.removedRead, bounded.exact.removedRead], [101, false]);
    assert.deepEqual([wide.removedRead, wide.exact.removedRead], [1500, true]);
    assert.match(human.stdout, /read and acknowledged by every group: at least 101$/m);
    await c.xreadgroup('GROUP', 'svc', 'w', 'COUNT', 1450, 'NOACK', 'STREAMS', channel, '>');
    const nearEnd = await cliJson<TrimJson>([...args, '--count-limit', '100'], { url: redis.url });
    assert.deepEqual([nearEnd.removedRead, nearEnd.exact.removedRead], [2950, true], 'counted from the end');
    assert.equal(await c.xlen(channel), 3000);
  });
});

describe('retention dry run (previewTrim) against real runs', () => {
  /** Builds the same scenario on a fresh channel each time it is called. */
  async function scenario(withGroups: boolean): Promise<string> {
    const channel = uniqueChannel('preview');
    const c = redis.client;
    if (withGroups) {
      await c.xgroup('CREATE', channel, 'live', '0', 'MKSTREAM');
      await c.xgroup('CREATE', channel, 'stale', '0');
    }
    const old = await addOld(channel, 2 * DAY, 400);
    for (let i = 0; i < 30; i++) await c.xadd(channel, '*', 'name', 'new', 'body', String(i));
    if (withGroups) {
      await c.xreadgroup('GROUP', 'live', 'l', 'COUNT', 250, 'STREAMS', channel, '>');
      await c.xack(channel, 'live', ...old.slice(0, 120));
      await c.xreadgroup('GROUP', 'stale', 's', 'COUNT', 60, 'NOACK', 'STREAMS', channel, '>');
      await c.hset(`{${channel}}:groups`, 'stale', '1');
    }
    return channel;
  }

  const rules: Array<[string, boolean, Omit<RetentionRule, 'channel'>, number]> = [
    ['age, no groups', false, { retentionMs: HOUR, maxLen: undefined }, 1000],
    ['age with a live and a stale group', true, { retentionMs: HOUR, maxLen: undefined }, 1000],
    ['age and a cap', true, { retentionMs: HOUR, maxLen: 100 }, 1000],
    ['a cap only', true, { retentionMs: undefined, maxLen: 50 }, 1000],
  ];

  it('gives exactly what the real run removes, and never more than it when bounded', async () => {
    const instance = new RedisInstance(redis.url);
    const port = instance.createPort('test', { kind: 'command' });
    try {
      for (const [what, withGroups, rule, staleMs] of rules) {
        const channel = await scenario(withGroups);
        const full: RetentionRule = { channel, ...rule };
        const before = await snapshot(channel);
        const previews: RetentionPreview[] = [];
        for (const limit of [1, 7, 100, 10_000])
          previews.push(await previewTrim(port, full, staleMs, undefined, limit));
        assert.deepEqual(await snapshot(channel), before, `${what}: previews changed nothing`);
        const real: RetentionResult = await trimChannel(port, full, staleMs, undefined);
        const exact = previews[previews.length - 1]!;
        assert.deepEqual(
          { ...exact, exact: undefined },
          { ...real, exact: undefined },
          `${what}: exact preview = real`,
        );
        assert.ok(Object.values(exact.exact).every(Boolean), what);
        for (const p of previews) {
          for (const key of ['removedRead', 'removedUnreadStale', 'removedUnreadMaxLen'] as const) {
            if (p.exact[key]) assert.equal(p[key], real[key], `${what}: ${key} exact`);
            else assert.ok(p[key] <= real[key], `${what}: ${key} ${p[key]} is a lower bound of ${real[key]}`);
          }
        }
      }
    } finally {
      await port.close();
    }
  });
});

/**
 * The built CLI's `dlq` commands against real consumers: list and show a dead letter made by a
 * failing handler, replay it to the failing group only (with the confirmation rules), purge, and
 * the progress of a long replay.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { RedisStreamer } from '../../src/index.js';
import type { DlqListJson, DlqPurgeJson, DlqReplayJson, DlqShowJson, PublishJson } from '../../src/cli/shapes.js';
import { delay, uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { builtCli, cli, cliJson, cliOnTerminal, hasScript } from './support.js';

const redis = useRedis();
before(() => builtCli(), { timeout: 180_000 });

const FAST = { delivery: 'at-least-once', retryBaseMs: 50, retryMaxMs: 200, claimIntervalMs: 100 } as const;

/** Two services on one channel; `billing` fails while `broken.on`. */
async function twoServices(channel: string): Promise<{
  broken: { on: boolean };
  seen: { billing: string[]; shipping: string[] };
  stop: () => Promise<void>;
}> {
  const billing = redis.streamer('billing', { ...FAST, maxAttempts: 1 });
  const shipping = redis.streamer('shipping', FAST);
  const broken = { on: true };
  const seen = { billing: [] as string[], shipping: [] as string[] };
  for (const [s, list] of [
    [billing, seen.billing],
    [shipping, seen.shipping],
  ] as Array<[RedisStreamer, string[]]>) {
    await s.subscribe(channel);
    s.registerHandler(channel, (name) => {
      if (s === billing && broken.on) throw new Error('card declined');
      list.push(name);
    });
  }
  const runs = [billing, shipping].map((s) => s.persistConsume({ blockMs: 200 }));
  return {
    broken,
    seen,
    stop: async () => {
      await Promise.all([billing.stopConsuming(), shipping.stopConsuming()]);
      await Promise.all(runs);
    },
  };
}

const dlqLength = (channel: string): Promise<number> => redis.client.xlen(`{${channel}}:dlq`);

describe('cli: dlq', () => {
  it('lists and shows a dead letter, replays it to the failing group only, and purges', async () => {
    const channel = uniqueChannel('cli-dlq');
    const { broken, seen, stop } = await twoServices(channel);
    const { id } = await cliJson<PublishJson>(['publish', channel, 'charge', '{"amount": 5}'], { url: redis.url });
    await waitFor(async () => (await dlqLength(channel)) === 1 && seen.shipping.length === 1, 'dead-lettered');

    const list = await cliJson<DlqListJson>(['dlq', 'list', channel], { url: redis.url });
    assert.equal(list.total, 1);
    const [dead] = list.deadLetters;
    assert.equal(dead?.id, id);
    assert.equal(dead.group, `${channel}:billing:cg`);
    assert.equal(dead.name, 'charge');
    assert.deepEqual(dead.body, { amount: 5 });
    assert.match(dead.error, /card declined/);
    const [table, show, showJson, missing] = await Promise.all([
      cli(['dlq', 'list', channel], { url: redis.url }),
      cli(['dlq', 'show', channel, dead.deadLetterId], { url: redis.url }),
      cliJson<DlqShowJson>(['dlq', 'show', channel, dead.deadLetterId], { url: redis.url }),
      cli(['dlq', 'show', channel, '1-1'], { url: redis.url }),
    ]);
    assert.match(table.stdout, /^DEAD LETTER\s+ENTRY\s+GROUP\s+REASON\s+ATTEMPTS\s+LAST FAILURE\s+NAME\s+ERROR$/m);
    assert.match(
      table.stdout,
      new RegExp(`^${dead.deadLetterId}\\s+${id}\\s+${channel}:billing:cg\\s+${dead.reason}\\s+1\\s`, 'm'),
    );
    assert.match(show.stdout, /^error\s+.*card declined/m);
    assert.match(show.stdout, /^body\s+\{"amount":5\}$/m);
    assert.match(show.stdout, /^stack:\n\s+Error: card declined/m);
    assert.deepEqual(showJson.deadLetter, dead);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /has no dead letter 1-1/);

    // Not a terminal and no --yes: refused, nothing replayed.
    const refused = await cli(['dlq', 'replay', channel, '--all'], { url: redis.url });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /refusing to replay 1 dead letter of .*stdin is not a terminal; pass --yes/);
    assert.equal(await dlqLength(channel), 1);

    broken.on = false;
    const lengthBefore = await redis.client.xlen(channel);
    const replay = await cliJson<DlqReplayJson>(['dlq', 'replay', channel, '--all', '--yes'], { url: redis.url });
    assert.equal(replay.replayed, 1);
    assert.deepEqual(replay.missing, []);
    await waitFor(() => seen.billing.length === 1, 'the failing service handles the replay');
    await delay(300); // an absence: the other service does not see it again (nothing to wait on)
    assert.deepEqual(seen, { billing: ['charge'], shipping: ['charge'] }, 'the other service did not see it again');
    assert.equal(await redis.client.xlen(channel), lengthBefore, 'nothing appended to the channel');
    assert.equal(await dlqLength(channel), 0);

    const gone = await cli(['dlq', 'replay', channel, '5-5', '--yes'], { url: redis.url });
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no such dead letter of .*: 5-5/);

    broken.on = true;
    await redis.client.xadd(channel, '*', 'name', 'charge', 'body', '{"amount": 7}');
    await waitFor(async () => (await dlqLength(channel)) === 1, 'dead-lettered again');
    const unconfirmed = await cli(['dlq', 'purge', channel, '--all'], { url: redis.url });
    assert.equal(unconfirmed.code, 2);
    assert.equal(await dlqLength(channel), 1);
    const purged = await cliJson<DlqPurgeJson>(['dlq', 'purge', channel, '--all', '--yes'], { url: redis.url });
    assert.deepEqual(purged, { channel, purged: 1, missing: [] });
    assert.equal(await redis.client.exists(`{${channel}}:dlq`), 0);
    await stop();
  });

  it(
    'asks on a terminal: anything but yes keeps the dead letters',
    { skip: !hasScript && 'needs script(1)' },
    async () => {
      const channel = uniqueChannel('cli-dlq-tty');
      const key = `{${channel}}:dlq`;
      await redis.client.xadd(key, '*', 'name', 'n', 'body', '{}', 'dlq-group', 'g');
      const declined = await cliOnTerminal(['dlq', 'purge', channel, '--all'], 'n\n', { url: redis.url });
      assert.equal(declined.code, 1, declined.stdout);
      assert.match(declined.stdout, /Delete 1 dead letter of .* for good\? \[y\/N\]/);
      assert.match(declined.stdout, /cancelled: did not delete/);
      assert.equal(await redis.client.xlen(key), 1);
      const confirmed = await cliOnTerminal(['dlq', 'replay', channel, '--all'], 'yes\n', { url: redis.url });
      assert.equal(confirmed.code, 0, confirmed.stdout);
      assert.match(confirmed.stdout, /Replay 1 dead letter of .*\? \[y\/N\]/);
      assert.match(confirmed.stdout, /replayed 1 dead letter of/);
      assert.equal(await redis.client.xlen(key), 0);
      assert.equal(await redis.client.xlen(`{${channel}}:replay:g`), 1);
    },
  );

  it('replays many in batches with a progress line, and purges by id', async () => {
    const channel = uniqueChannel('cli-dlq-many');
    const key = `{${channel}}:dlq`;
    const pipeline = redis.client.pipeline();
    for (let i = 0; i < 250; i++) {
      pipeline.xadd(key, '*', 'name', 'n', 'body', String(i), 'dlq-id', `${i + 1}-0`, 'dlq-group', 'g-many');
    }
    await pipeline.exec();
    const result = await cli(['dlq', 'replay', channel, '--all', '--yes'], { url: redis.url });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `replayed 250 dead letters of ${channel}\n`);
    assert.deepEqual(
      result.stderr.trim().split('\n'),
      [100, 200, 250].map((n) => `replaying ${channel}: ${n}/250 (${n} replayed)`),
    );
    const replayed = await redis.client.xrange(`{${channel}}:replay:g-many`, '-', '+');
    assert.equal(replayed.length, 250);
    assert.deepEqual(replayed[249]![1], ['name', 'n', 'body', '249', 'rs-replay-of', '250-0']);
    assert.equal(await redis.client.xlen(key), 0);

    const a = await redis.client.xadd(key, '*', 'name', 'a', 'body', '1', 'dlq-group', 'g');
    const b = await redis.client.xadd(key, '*', 'name', 'b', 'body', '2', 'dlq-group', 'g');
    const purge = await cliJson<DlqPurgeJson>(['dlq', 'purge', channel, a!, '--yes'], { url: redis.url });
    assert.equal(purge.purged, 1);
    assert.deepEqual(
      (await redis.client.xrange(key, '-', '+')).map(([id]) => id),
      [b],
    );
  });
});

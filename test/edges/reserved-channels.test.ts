/**
 * A channel named as one of the library's own streams beside another channel (`{orders}:dlq`, the
 * dead-letter stream of `orders`, or a group's replay stream) is refused with a ConfigError that
 * says whose stream it is, before anything is sent: published to, it would put events into another
 * channel's dead letters, which `dlq list` would show, `dlq replay` could not find and `dlq purge`
 * would delete. Reading one (`tail`) is allowed, and the channel list leaves them out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkMessage, ConfigError, deadLetterKey, groupName, Inspector, ledgerKey } from '../../src/index.js';
import { libraryKeyMeaning, replayKey } from '../../src/naming.js';
import { builtCli, cli } from '../cli/support.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';

const redis = useRedis();

describe('channel names that are the library’s own keys', () => {
  it('names every kind of key, and leaves other names alone', () => {
    const cases: Array<[string, RegExp | undefined]> = [
      [deadLetterKey('orders'), /^the dead-letter stream of channel "orders"$/],
      ['{app}.orders:dlq', /^the dead-letter stream of channel "\{app\}\.orders"$/],
      ['tenant:{t1}:dlq', /^the dead-letter stream of channel "tenant:\{t1\}"$/],
      [':{x}:dlq', /^the dead-letter stream of channel ":\{x\}"$/],
      ['{}:dlq', /^the dead-letter stream of channel "\{\}"$/], // slotPrefix('{}') is '{}'
      ['a}b:dlq', /^the dead-letter stream of channel "a\}b"$/],
      ['{a}:b:dlq', /^the dead-letter stream of channel "\{a\}:b"$/],
      [replayKey('orders', groupName('orders', 'billing')), /^the replay stream of a group of channel "orders"$/],
      // Not streams: a channel named so fails loudly (WRONGTYPE), and such names are plausible.
      ['{orders}:groups', undefined],
      ['{orders}:idem', undefined],
      ['{tenant}:replay:2024', undefined],
      [ledgerKey('orders', 'orders:billing:cg'), undefined],
      ['orders', undefined],
      ['orders:dlq', undefined], // no hash tag: no stream of the library's is named so
      ['{orders}', undefined],
      ['{orders}:dlqs', undefined],
      ['billing.{eu}:events', undefined],
    ];
    for (const [name, meaning] of cases) {
      const got = libraryKeyMeaning(name);
      if (meaning === undefined) assert.equal(got, undefined, name);
      else assert.match(got ?? '', meaning, name);
    }
  });

  it('publish, subscribe, handlers, dead letters and checkMessage refuse one, sending nothing', async () => {
    const channel = uniqueChannel('owner');
    const streamer = redis.streamer('reserved');
    await streamer.subscribe(channel);
    await streamer.sendMessage(channel, { name: 'n', body: 1 });
    const dlq = deadLetterKey(channel);
    const before = await redis.client.exists(dlq);
    const refused = new RegExp(
      `the channel "\\{${channel}\\}:dlq" is the name of the dead-letter stream of channel "${channel}": a channel of that name would mix with it`,
    );
    const calls: Array<[string, () => unknown]> = [
      ['sendMessage', () => streamer.sendMessage(dlq, { name: 'n', body: 1 })],
      ['sendMessages', () => streamer.sendMessages(dlq, [{ name: 'n', body: 1 }])],
      ['subscribe', () => streamer.subscribe(dlq)],
      ['registerHandler', () => streamer.registerHandler(dlq, () => {})],
      ['deadLetters', () => streamer.deadLetters(dlq)],
      ['checkMessage', () => checkMessage({ name: 'n', body: 1 }, { channel: dlq })],
    ];
    for (const [what, call] of calls) {
      await assert.rejects(
        async () => {
          await call();
        },
        (err: unknown) => err instanceof ConfigError && refused.test(err.message),
        what,
      );
    }
    assert.equal(await redis.client.exists(dlq), before, 'nothing written to the dead-letter stream');
    assert.equal(await redis.client.xlen(channel), 1);
  });

  it('tail() may follow one; channels() leaves every one out, so listing each channel works', async () => {
    const channel = `tenant:{${uniqueChannel('t')}}`;
    const streamer = redis.streamer('reserved-list', { delivery: 'at-least-once', maxAttempts: 1 });
    await streamer.subscribe(channel);
    streamer.registerHandler(channel, () => {
      throw new Error('fails');
    });
    const run = streamer.persistConsume({ blockMs: 100 });
    await streamer.sendMessage(channel, { name: 'n', body: 1 });
    await waitFor(async () => (await redis.client.exists(deadLetterKey(channel))) === 1, 'a dead letter');
    await streamer.stopConsuming();
    await run;
    const inspector = new Inspector(redis.url);
    try {
      const listed = await inspector.channels();
      assert.ok(listed.includes(channel), listed.join(', '));
      assert.ok(!listed.includes(deadLetterKey(channel)), listed.join(', '));
      await Promise.all(listed.map((c) => inspector.channel(c)));
      const tail = inspector.tail(deadLetterKey(channel), { fromStart: true });
      const first = await tail.next();
      await tail.return(undefined);
      assert.equal(first.done, false);
    } finally {
      await inspector.close();
    }
  });

  it('the CLI refuses to publish to one (exit 2)', async () => {
    await builtCli();
    const channel = uniqueChannel('owner-cli');
    const result = await cli(['publish', deadLetterKey(channel), 'n', '{}'], { url: redis.url });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /is the name of the dead-letter stream of channel/);
    assert.equal(await redis.client.exists(deadLetterKey(channel)), 0);
  });
});

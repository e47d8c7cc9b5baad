/**
 * A channel named as one of the library's own keys beside another channel (`{orders}:dlq`, the
 * dead-letter stream of `orders`; its replay streams, guards, retry records, idempotency keys and
 * group records; dtpyfw's ledger of a group) is refused with a ConfigError that says whose key it
 * is, before anything is sent: published to, it would put events into another channel's dead
 * letters, which `dlq list` would show, `dlq replay` could not find and `dlq purge` would delete.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkMessage, ConfigError, deadLetterKey, ledgerKey } from '../../src/index.js';
import { libraryKeyMeaning } from '../../src/naming.js';
import { builtCli, cli } from '../cli/support.js';
import { uniqueChannel, useRedis } from '../support/harness.js';

const redis = useRedis();

describe('channel names that are the library’s own keys', () => {
  it('names every kind of key, and leaves other names alone', () => {
    const cases: Array<[string, RegExp | undefined]> = [
      [deadLetterKey('orders'), /^the dead-letter stream of channel "orders"$/],
      ['{app}.orders:dlq', /^the dead-letter stream of channel "\{app\}\.orders"$/],
      ['{orders}:replay:orders:billing:cg', /^the replay stream of a group of channel "orders"$/],
      ['{orders}:guard:orders:billing:cg', /^a dedup guard of channel "orders"$/],
      ['{orders}:retries:orders:billing:cg', /^the retry records of a group of channel "orders"$/],
      ['{orders}:idem', /^the idempotency keys of channel "orders"$/],
      ['{orders}:idem:prev', /^the idempotency keys of channel "orders"$/],
      ['{orders}:groups', /^the group records of channel "orders"$/],
      ['{a}:b:dlq', /^the dead-letter stream of channel "\{a\}:b"$/],
      [ledgerKey('orders', 'orders:billing:cg'), /^the dedup ledger of a group of channel "orders"/],
      ['orders', undefined],
      ['orders:dlq', undefined], // no hash tag: no key of the library's is written so
      ['{orders}', undefined],
      ['{orders}:dlqs', undefined],
      ['{}:dlq', undefined],
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

  it('the CLI refuses to publish to one (exit 2)', async () => {
    await builtCli();
    const channel = uniqueChannel('owner-cli');
    const result = await cli(['publish', deadLetterKey(channel), 'n', '{}'], { url: redis.url });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /is the name of the dead-letter stream of channel/);
    assert.equal(await redis.client.exists(deadLetterKey(channel)), 0);
  });
});

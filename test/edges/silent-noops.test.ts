/**
 * Nothing a user asks for is ignored without a word: options that would be ignored are refused,
 * errors name the method the user called, what Redis or JSON would change is refused, and a
 * handler that can never run is warned about. Real Redis where consuming is involved.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, InvalidMessageError } from '../../src/index.js';
import { delay, uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { recordingLogger } from '../support/recording-logger.js';

const redis = useRedis();

/** Asserts an error of `type` whose message holds each part. */
function refused(type: typeof ConfigError | typeof InvalidMessageError, ...parts: string[]): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof type, `expected a ${type.name}, got ${String(err)}`);
    for (const part of parts) assert.ok(err.message.includes(part), `"${err.message}" lacks ${part}`);
    return true;
  };
}

describe('options that would be ignored are refused', () => {
  it('persistConsume with count above maxCount', async () => {
    const s = redis.streamer('count-max');
    const run = s.persistConsume({ count: 100, maxCount: 10 });
    // A run that started (the mistake accepted) is stopped, so the test fails rather than hangs.
    const outcome = await Promise.race([
      run.then(
        () => 'resolved',
        (err: unknown) => err,
      ),
      delay(1000),
    ]);
    if (outcome === undefined) await s.stopConsuming();
    assert.ok(refused(ConfigError, 'persistConsume()', '`count` (100)', '`maxCount` (10)')(outcome));
    assert.equal((await s.getStats()).consuming, false);
  });

  it('timeoutMs without replicas is refused, and nothing is appended; an explicit replicas: 0 allows it', async () => {
    const channel = uniqueChannel('timeout');
    const s = redis.streamer('timeout');
    const message = { name: 'n', body: 1 };
    await assert.rejects(
      s.sendMessage(channel, message, { timeoutMs: 500 }),
      refused(ConfigError, 'sendMessage()', '`timeoutMs`', '`replicas`'),
    );
    await assert.rejects(
      s.sendMessages(channel, [message], { timeoutMs: 500 }),
      refused(ConfigError, 'sendMessages()', '`timeoutMs`'),
    );
    assert.equal(await redis.client.xlen(channel), 0);
    // A replica count read from configuration may be 0: the caller chose no wait, the timeout is moot.
    await s.sendMessage(channel, message, { replicas: 0, timeoutMs: 500 });
    assert.equal(await redis.client.xlen(channel), 1);
  });
});

describe('errors name the method the user called', () => {
  it('setRetention() and registerChannel() each by its own name', () => {
    const s = redis.streamer('retention-names');
    assert.throws(
      () => s.setRetention('orders', { retention_ms: 5 } as never),
      refused(ConfigError, 'setRetention():'),
    );
    assert.throws(
      () => s.registerChannel('orders', { retention_ms: 5 } as never),
      refused(ConfigError, 'registerChannel():'),
    );
    assert.throws(() => s.registerChannel('', {}), refused(ConfigError, 'registerChannel(): the channel'));
    assert.throws(
      () => s.setRetention('orders', { maxLen: -1 }),
      refused(ConfigError, 'setRetention(): option `maxLen`'),
    );
  });
});

describe('what Redis or JSON would change is refused', () => {
  it('an event name with a lone surrogate, as idempotency keys are', async () => {
    const channel = uniqueChannel('surrogate');
    const s = redis.streamer('surrogate');
    for (const name of ['order.\uD800', '\uDC00created', 'a\uD83D']) {
      await assert.rejects(
        s.sendMessage(channel, { name, body: 1 }),
        refused(InvalidMessageError, 'not valid Unicode'),
      );
      await assert.rejects(
        s.sendMessages(channel, [{ name, body: 1 }]),
        refused(InvalidMessageError, 'not valid Unicode'),
      );
    }
    // A well-formed pair is fine, and arrives as sent.
    await s.sendMessage(channel, { name: 'order.\uD83D\uDE00', body: 1 });
    const [[, fields]] = (await redis.client.xrange(channel, '-', '+')) as [[string, string[]]];
    assert.equal(fields[1], 'order.\uD83D\uDE00');
  });

  it('a field added by onPublish with a lone surrogate', async () => {
    const channel = uniqueChannel('surrogate-field');
    const s = redis.streamer('surrogate-field', {
      hooks: { onPublish: ({ fields }) => void (fields['trace'] = 'x\uD800') },
    });
    await assert.rejects(
      s.sendMessage(channel, { name: 'n', body: 1 }),
      refused(InvalidMessageError, '"trace"', 'not valid Unicode'),
    );
    assert.equal(await redis.client.xlen(channel), 0);
  });

  it('undefined or a hole in a body array (JSON would write null), naming the path', async () => {
    const channel = uniqueChannel('holes');
    const s = redis.streamer('holes');
    await assert.rejects(
      s.sendMessage(channel, { name: 'n', body: [1, undefined, 3] }),
      refused(InvalidMessageError, 'body[1] is undefined, which JSON would write as null'),
    );
    await assert.rejects(
      s.sendMessages(channel, [{ name: 'n', body: { items: [1, , 3] } }]), // eslint-disable-line no-sparse-arrays
      refused(InvalidMessageError, 'body.items[1] is a hole'),
    );
    assert.equal(await redis.client.xlen(channel), 0);
  });
});

describe('a handler of a channel that is not subscribed is warned about', () => {
  const NOT_SUBSCRIBED = 'has a handler but is not subscribed';

  it('once, when consuming starts', async () => {
    const subscribed = uniqueChannel('subscribed');
    const forgotten = uniqueChannel('forgotten');
    const logger = recordingLogger();
    const s = redis.streamer('unsubscribed-start', { logger });
    await s.subscribe(subscribed);
    s.registerHandler(subscribed, () => {});
    s.registerHandler(forgotten, () => {});
    s.registerHandler(forgotten, () => {}, { name: 'other' });
    for (let i = 0; i < 2; i++) {
      const run = s.persistConsume({ blockMs: 200 });
      await s.stopConsuming();
      await run;
    }
    const said = logger.messages('warn').filter((l) => l.includes(NOT_SUBSCRIBED));
    assert.deepEqual(said, [
      `channel "${forgotten}" has a handler but is not subscribed: its handlers never run until subscribe("${forgotten}") is called`,
    ]);
  });

  it('when one is registered while consuming, unless the channel is being subscribed', async () => {
    const subscribed = uniqueChannel('subscribed');
    const forgotten = uniqueChannel('forgotten');
    const later = uniqueChannel('later');
    const logger = recordingLogger();
    const s = redis.streamer('unsubscribed-live', { logger });
    await s.subscribe(subscribed);
    s.registerHandler(subscribed, () => {});
    const run = s.persistConsume({ blockMs: 200 });
    s.registerHandler(forgotten, () => {});
    // Registered just before its subscribe() (the usual order): no warning.
    s.registerHandler(later, () => {});
    await s.subscribe(later);
    await waitFor(
      () => logger.messages('warn').some((l) => l.includes(forgotten)),
      'the warning about the forgotten channel',
    );
    await s.stopConsuming();
    await run;
    const said = logger.messages('warn').filter((l) => l.includes(NOT_SUBSCRIBED));
    assert.equal(said.length, 1, said.join(' | '));
    assert.ok(said[0]?.includes(`"${forgotten}"`), said[0]);
  });
});

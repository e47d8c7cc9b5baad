/**
 * Errors thrown by user code the library calls, other than handlers and middleware, carry one of
 * the library's classes and a code: a HookError (ERR_HOOK) naming the callback, the exception as
 * its `cause`. A throwing onPublish hook fails its publish and nothing is appended (of a batch:
 * nothing of it), since the fields it adds may be what consumers rely on; the others are reported
 * and delivery goes on. Real Redis.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HookError, RedisStreamerError, type ErrorContext } from '../../src/index.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { recordingLogger } from '../support/recording-logger.js';

const redis = useRedis();

/** Asserts a HookError for `hook`, with ERR_HOOK and the original exception as its cause. */
function assertHookError(err: unknown, hook: string, cause: unknown): asserts err is HookError {
  assert.ok(err instanceof HookError, `expected a HookError, got ${String(err)}`);
  assert.ok(err instanceof RedisStreamerError);
  assert.equal(err.code, 'ERR_HOOK');
  assert.equal(err.hook, hook);
  assert.equal(err.cause, cause);
  assert.ok(err.message.includes((cause as Error).message), err.message);
}

describe('a throwing onPublish hook fails the publish, and nothing is appended', () => {
  const broken = new Error('no trace context');
  const hooks = {
    onPublish: ({ message, fields }: { message: { name: string }; fields: Record<string, string> }) => {
      if (message.name === 'bad') throw broken;
      fields['traceparent'] = '00-abc-def-01';
    },
  };

  it('sendMessage rejects with a HookError and appends nothing', async () => {
    const channel = uniqueChannel('hook-pub');
    const s = redis.streamer('hook-pub', { hooks });
    const err = await s.sendMessage(channel, { name: 'bad', body: 1 }).then(
      () => assert.fail('the publish went ahead'),
      (e: unknown) => e,
    );
    assertHookError(err, 'onPublish', broken);
    assert.equal(await redis.client.xlen(channel), 0);
  });

  it('in one tick, only the publish whose hook threw fails; the others are appended with their fields', async () => {
    const channel = uniqueChannel('hook-tick');
    const s = redis.streamer('hook-tick', { hooks });
    const results = await Promise.allSettled([
      s.sendMessage(channel, { name: 'ok', body: 1 }),
      s.sendMessage(channel, { name: 'bad', body: 2 }),
      s.sendMessage(channel, { name: 'ok', body: 3 }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assertHookError((results[1] as PromiseRejectedResult).reason, 'onPublish', broken);
    const entries = await redis.client.xrange(channel, '-', '+');
    assert.deepEqual(
      entries.map(([, fields]) => fields),
      [
        ['name', 'ok', 'body', '1', 'traceparent', '00-abc-def-01'],
        ['name', 'ok', 'body', '3', 'traceparent', '00-abc-def-01'],
      ],
    );
  });

  it('sendMessages rejects with a HookError and appends nothing of the batch', async () => {
    const channel = uniqueChannel('hook-batch');
    const s = redis.streamer('hook-batch', { hooks });
    const err = await s
      .sendMessages(channel, [
        { name: 'ok', body: 1 },
        { name: 'bad', body: 2 },
        { name: 'ok', body: 3 },
      ])
      .then(
        () => assert.fail('the batch went ahead'),
        (e: unknown) => e,
      );
    assertHookError(err, 'onPublish', broken);
    assert.equal(await redis.client.xlen(channel), 0);
  });
});

describe('other user code that throws is reported as a HookError, and delivery goes on', () => {
  it('a throwing orderingKey: the error event gets a HookError, the message is still handled', async () => {
    const channel = uniqueChannel('ordering');
    const s = redis.streamer('ordering');
    const broken = new Error('no order id');
    const errors: Array<[Error, ErrorContext]> = [];
    s.on('error', (err, context) => void errors.push([err, context]));
    await s.subscribe(channel, {
      concurrency: 4,
      orderingKey: () => {
        throw broken;
      },
    });
    const handled: unknown[] = [];
    s.registerHandler(channel, (_name, payload) => void handled.push(payload));
    const run = s.persistConsume({ blockMs: 200 });
    await s.sendMessage(channel, { name: 'n', body: 7 });
    await waitFor(() => handled.length === 1 && errors.length === 1, 'handled, and the orderingKey error reported');
    await s.stopConsuming();
    await run;
    assert.deepEqual(handled, [7]);
    const [err, context] = errors[0] as [Error, ErrorContext];
    assertHookError(err, 'orderingKey', broken);
    assert.equal(context.channel, channel);
  });

  it('a handler throwing what is not an Error: the dead letter says what it was, as JSON', async () => {
    const channel = uniqueChannel('non-error');
    const s = redis.streamer('non-error', { delivery: 'at-least-once', maxAttempts: 1 });
    await s.subscribe(channel);
    const thrown: unknown[] = [{ code: 42 }, undefined, 'plain words'];
    s.registerHandler(channel, (_name, body) => {
      throw thrown[body as number];
    });
    const run = s.persistConsume({ blockMs: 200 });
    await s.sendMessages(
      channel,
      [0, 1, 2].map((i) => ({ name: 'n', body: i })),
    );
    const letters = s.deadLetters(channel);
    await waitFor(async () => (await letters.list()).length === 3, 'three dead letters');
    await s.stopConsuming();
    await run;
    const errors = (await letters.list()).map((l) => l.error);
    assert.deepEqual(errors.sort(), [
      'handler#1: non-error thrown: undefined',
      'handler#1: non-error thrown: {"code":42}',
      'handler#1: plain words',
    ]);
  });

  it('a throwing onDeadLetter hook: a HookError on the error event, the entry dead-lettered all the same', async () => {
    const channel = uniqueChannel('dl-hook');
    const broken = new Error('audit down');
    const s = redis.streamer('dl-hook', {
      hooks: {
        onDeadLetter: () => {
          throw broken;
        },
      },
    });
    const errors: Error[] = [];
    s.on('error', (err) => void errors.push(err));
    await s.subscribe(channel);
    s.registerHandler(channel, () => {
      throw new Error('handler failed');
    });
    const run = s.persistConsume({ blockMs: 200 });
    await s.sendMessage(channel, { name: 'n', body: 1 });
    await waitFor(() => errors.length === 1, 'the onDeadLetter error reported');
    await s.stopConsuming();
    await run;
    assertHookError(errors[0], 'onDeadLetter', broken);
    assert.equal((await s.deadLetters(channel).list()).length, 1);
  });

  it('a throwing event listener: a HookError in the log, the other listeners still called', async () => {
    const channel = uniqueChannel('listener');
    const logger = recordingLogger();
    const logged = (): unknown[] => logger.fieldsAt('error').map((fields) => (fields as { err?: unknown }).err);
    const s = redis.streamer('listener', { logger });
    const broken = new Error('listener bug');
    const seen: string[] = [];
    s.on('deadLetter', () => {
      throw broken;
    });
    s.on('deadLetter', (event) => void seen.push(event.reason));
    await s.subscribe(channel);
    s.registerHandler(channel, () => {
      throw new Error('handler failed');
    });
    const run = s.persistConsume({ blockMs: 200 });
    await s.sendMessage(channel, { name: 'n', body: 1 });
    await waitFor(() => seen.length === 1 && logged().length === 1, 'both listeners called, the throw logged');
    await s.stopConsuming();
    await run;
    assertHookError(logged()[0], 'listener:deadLetter', broken);
    assert.deepEqual(seen, ['handler-failed']);
  });
});

/**
 * The extension points integrations build on (OpenTelemetry, the test kit, NestJS), on a real
 * server: a set of hooks added with use(), the aroundPublish hook (fields per message, the append
 * inside next(), the publish's outcome kept, concurrent calls still coalesced), the logFields hook
 * on the handler-failure log line, the entry's fields on the deadLetter event, and whether a handled
 * entry is acknowledged.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ClosedError,
  ConfigError,
  HookError,
  type DeadLetterEvent,
  type HandledHookEvent,
  type PublishCallEvent,
} from '../../src/index.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { recordingLogger } from '../support/recording-logger.js';

const redis = useRedis();

/** Calls of one command name on the server so far (INFO commandstats). */
async function calls(command: string): Promise<number> {
  const info = String(await redis.client.info('commandstats'));
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
}

describe('use() with a set of hooks', () => {
  it('refuses what is neither middleware nor hooks, unknown hooks and empty sets, naming use()', () => {
    const s = redis.streamer('use-checks');
    assert.throws(
      () => s.use(42 as never),
      (e) => e instanceof ConfigError && /^use\(\) takes a middleware/.test(e.message),
    );
    assert.throws(
      () => s.use({}),
      (e) => e instanceof ConfigError && /use\(\): the hooks object has no hook/.test(e.message),
    );
    assert.throws(
      () => s.use({ onFaild: () => {} } as never),
      (e) => e instanceof ConfigError && /use\(\).*onFaild.*did you mean `onFailed`/.test(e.message),
    );
    assert.throws(
      () => s.use({ onFailed: 'log' } as never),
      (e) => e instanceof ConfigError && /use\(\): option `onFailed` must be a function/.test(e.message),
    );
  });

  it('is refused after cleanup()', async () => {
    const s = redis.streamer('use-closed');
    await s.cleanup();
    assert.throws(() => s.use({ onFailed: () => {} }), ClosedError);
  });

  it('runs handling hooks added after construction; onHandled says whether the entry is acknowledged', async () => {
    for (const delivery of ['at-least-once', 'at-most-once'] as const) {
      const channel = uniqueChannel(`use-${delivery}`);
      const s = redis.streamer(`use-svc-${delivery}`, { delivery });
      const handled: HandledHookEvent[] = [];
      const order: string[] = [];
      s.use({
        aroundHandle: async (_e, next) => {
          order.push('around');
          await next();
        },
        onHandled: (e) => void handled.push(e),
      });
      await s.subscribe(channel);
      s.registerHandler(channel, () => void order.push('handler'));
      void s.persistConsume({ blockMs: 200 });
      await redis.streamer('use-pub').sendMessage(channel, { name: 'n', body: 1 });
      await waitFor(() => handled.length === 1, 'onHandled');
      assert.deepEqual(order, ['around', 'handler']);
      assert.equal(handled[0]?.acknowledged, delivery === 'at-least-once');
      await s.cleanup(); // its reads would count in the script calls measured below
    }
  });

  it('warns when a handling step comes after consuming started (the channels consuming do not run it)', async () => {
    const logger = recordingLogger();
    const channel = uniqueChannel('use-late');
    const s = redis.streamer('use-late', { logger });
    await s.subscribe(channel);
    let handled = 0;
    s.registerHandler(channel, () => void handled++);
    s.use({ onPublish: () => {} }); // before: nothing to say
    const run = s.persistConsume({ blockMs: 200 });
    await s.sendMessage(channel, { name: 'n', body: 1 });
    await waitFor(() => handled === 1, 'consuming');
    s.use({ onPublish: () => {}, onDeadLetter: () => {} }); // applies at once: nothing to say
    s.use(async (_m, next) => next());
    s.use({ aroundHandle: (_e, next) => next(), onFailed: () => {} });
    const late = logger.messages('warn').filter((m) => m.includes('after persistConsume() started'));
    assert.deepEqual(late, [
      'use(): middleware added after persistConsume() started: the channels being consumed now do not run them (only channels that start consuming later do); call use(), or instrument() of redis-streamer/otel, which adds its hooks with use(), before persistConsume()',
      'use(): the hooks aroundHandle, onFailed added after persistConsume() started: the channels being consumed now do not run them (only channels that start consuming later do); call use(), or instrument() of redis-streamer/otel, which adds its hooks with use(), before persistConsume()',
    ]);
    await s.cleanup();
    await run;
  });
});

describe('the aroundPublish hook', () => {
  it('adds fields per message around a sendMessage and a sendMessages; onPublish sees them', async () => {
    const channel = uniqueChannel('around');
    const events: PublishCallEvent[] = [];
    const seen: string[] = [];
    const s = redis.streamer('around-pub', { hooks: { onPublish: (e) => void seen.push(e.fields['trace'] ?? '') } });
    s.use({
      aroundPublish: async (event, next) => {
        events.push(event);
        event.fields.forEach((f, i) => (f['trace'] = `t${events.length}-${i}`));
        const ids = await next();
        // Resolved once appended: the entries are in the stream.
        for (const id of ids) assert.equal((await redis.client.xrange(channel, id, id)).length, 1);
        return ids;
      },
    });
    const one = await s.sendMessage(channel, { name: 'one', body: 1 });
    const many = await s.sendMessages(channel, [
      { name: 'two', body: 2 },
      { name: 'three', body: 3 },
    ]);
    assert.deepEqual(
      events.map((e) => [e.channel, e.batch, e.messages.map((m) => m.name)]),
      [
        [channel, false, ['one']],
        [channel, true, ['two', 'three']],
      ],
    );
    assert.deepEqual(seen, ['t1-0', 't2-0', 't2-1']);
    const entries = await redis.client.xrange(channel, '-', '+');
    assert.deepEqual(
      entries.map(([id, f]) => [id, f[f.indexOf('trace') + 1]]),
      [
        [one, 't1-0'],
        [many[0], 't2-0'],
        [many[1], 't2-1'],
      ],
    );
  });

  it('keeps concurrent sendMessage calls of one tick in one script call', async () => {
    const channel = uniqueChannel('around-coalesce');
    const s = redis.streamer('around-coalesce-pub');
    let wrapped = 0;
    s.use({
      aroundPublish: (_event, next) => {
        wrapped++;
        return next();
      },
    });
    await Promise.all([1, 2].map((i) => s.sendMessage(channel, { name: 'warm', body: i })));
    const before = (await calls('evalsha')) + (await calls('eval'));
    const ids = await Promise.all([1, 2, 3].map((i) => s.sendMessage(channel, { name: 'n', body: i })));
    const after = (await calls('evalsha')) + (await calls('eval'));
    assert.equal(ids.length, 3);
    assert.equal(wrapped, 5);
    // Uncoalesced, each would be a lone XADD (no script call).
    assert.equal(after - before, 1, 'one script call for the three');
  });

  it('a hook that throws before next(), or never calls it, fails the publish and appends nothing', async () => {
    const channel = uniqueChannel('around-fails');
    const throws = redis.streamer('around-throws');
    throws.use({
      aroundPublish: () => {
        throw new Error('no tracer');
      },
    });
    await assert.rejects(
      throws.sendMessage(channel, { name: 'n', body: 1 }),
      (e) => e instanceof HookError && e.hook === 'aroundPublish' && /no tracer; nothing was published/.test(e.message),
    );
    const skips = redis.streamer('around-skips');
    skips.use({ aroundPublish: () => Promise.resolve([]) });
    await assert.rejects(
      skips.sendMessages(channel, [{ name: 'n', body: 1 }]),
      (e) => e instanceof ConfigError && /did not call next\(\): nothing was published/.test(e.message),
    );
    assert.equal(await redis.client.xlen(channel), 0);
  });

  it('a hook that throws after next() leaves the publish as it went and is reported', async () => {
    const channel = uniqueChannel('around-after');
    const s = redis.streamer('around-after-pub');
    const errors: Error[] = [];
    s.on('error', (e) => void errors.push(e));
    s.use({
      aroundPublish: async (_e, next) => {
        await next();
        throw new Error('exporter down');
      },
    });
    const id = await s.sendMessage(channel, { name: 'n', body: 1 });
    assert.equal((await redis.client.xrange(channel, '-', '+'))[0]?.[0], id);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof HookError && /exporter down; the publish went through/.test(errors[0].message));
  });

  it('passes a failed publish through: the hook sees the rejection and the caller gets the same error', async () => {
    const channel = uniqueChannel('around-reject');
    const s = redis.streamer('around-reject-pub', { maxMessageBytes: 10 });
    let seen: unknown;
    s.use({
      aroundPublish: (_e, next) =>
        next().catch((err: unknown) => {
          seen = err;
          throw err;
        }),
    });
    const err = await s.sendMessage(channel, { name: 'n', body: 'x'.repeat(100) }).catch((e: unknown) => e);
    assert.ok(err instanceof Error && err.name === 'MessageTooLargeError');
    assert.equal(seen, err);
  });
});

describe('the logFields hook and the deadLetter event', () => {
  it('adds fields to the handler-failure log line; the deadLetter event carries the entry fields', async () => {
    const channel = uniqueChannel('log-fields');
    const logger = recordingLogger();
    const s = redis.streamer('log-fields-svc', { logger });
    const deadLetters: DeadLetterEvent[] = [];
    s.on('deadLetter', (e) => void deadLetters.push(e));
    const errors: Error[] = [];
    s.on('error', (e) => void errors.push(e));
    s.use({ logFields: (context) => ({ trace_id: `trace-of-${context.id}`, channel: 'not replaced' }) });
    s.use({
      logFields: () => {
        throw new Error('broken');
      },
    });
    await s.subscribe(channel);
    s.registerHandler(channel, () => {
      throw new Error('boom');
    });
    void s.persistConsume({ blockMs: 200 });
    const id = await redis.client.xadd(channel, '*', 'name', 'n', 'body', '{}', 'traceparent', 'tp', 'x-tenant', 'a');
    await waitFor(() => deadLetters.length === 1, 'dead-lettered');
    await waitFor(() => logger.messages('warn').some((m) => /handler failed/.test(m)), 'logged');
    const line = logger.at('warn').find((w) => /handler failed/.test(w.message));
    assert.deepEqual(
      { ...line?.fields },
      {
        trace_id: `trace-of-${id}`,
        channel,
        group: `${channel}:log-fields-svc:cg`,
        id,
        name: 'n',
        attempt: 1,
        error: 'handler#1: boom',
      },
    );
    assert.ok(errors.some((e) => e instanceof HookError && e.hook === 'logFields' && /broken/.test(e.message)));
    assert.deepEqual(deadLetters[0]?.fields, { traceparent: 'tp', 'x-tenant': 'a' });
    assert.equal(deadLetters[0]?.id, id);
  });
});

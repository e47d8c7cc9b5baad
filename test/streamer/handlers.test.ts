/**
 * Handlers as users rely on them: order, name routing, sync and async, isolation of failures,
 * registration while consuming, the context, and dead letters for failures and bad entries.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deadLetterKey, type DeadLetterEvent, type MessageContext } from '../../src/index.js';
import { delay, uniqueChannel, useRedis, waitFor } from '../support/harness.js';

const redis = useRedis();

describe('handlers', () => {
  it('runs every handler in registration order, sync and async, and routes by name', async () => {
    const channel = uniqueChannel('handlers');
    const calls: string[] = [];
    const s = redis.streamer('handlers-svc');
    await s.subscribe(channel);
    s.registerHandler(channel, (name) => void calls.push(`all-sync:${name}`));
    s.registerHandler(channel, async (name) => {
      await delay(5); // an async handler's work
      calls.push(`all-async:${name}`);
    });
    s.registerHandler(channel, (name) => void calls.push(`created-only:${name}`), { name: 'order.created' });
    void s.persistConsume({ blockMs: 300 });
    const publisher = redis.streamer('publisher');
    await publisher.sendMessage(channel, { name: 'order.created', body: { id: 1 } });
    await publisher.sendMessage(channel, { name: 'order.shipped', body: { id: 1 } });
    await waitFor(() => calls.length >= 5, 'five calls');
    assert.deepEqual(calls, [
      'all-sync:order.created',
      'all-async:order.created',
      'created-only:order.created',
      'all-sync:order.shipped',
      'all-async:order.shipped',
    ]);
  });

  it('passes the payload and a context with channel, id, group, consumer and extra fields', async () => {
    const channel = uniqueChannel('context');
    let seen: { name: string; payload: unknown; context: MessageContext } | undefined;
    const s = redis.streamer('Context Service!');
    await s.subscribe(channel);
    s.registerHandler(channel, (name, payload, context) => {
      seen = { name, payload, context };
    });
    void s.persistConsume({ blockMs: 300 });
    const id = await redis.client.xadd(
      channel,
      '*',
      'name',
      'evt',
      'body',
      '{"a": [1, 2]}',
      'traceparent',
      '00-abc-01',
    );
    await waitFor(() => seen !== undefined, 'handled');
    assert.equal(seen?.name, 'evt');
    assert.deepEqual(seen?.payload, { a: [1, 2] });
    assert.deepEqual(seen?.context, {
      channel,
      id,
      group: `${channel}:Context-Service-:cg`,
      consumer: s.consumer,
      service: 'Context-Service-',
      attempt: 1,
      source: 'channel',
      fields: { traceparent: '00-abc-01' },
      idempotencyKey: undefined,
    });
  });

  it('keeps running the other handlers when one fails, and dead-letters the message with its error', async () => {
    const channel = uniqueChannel('isolation');
    const calls: string[] = [];
    const events: DeadLetterEvent[] = [];
    const s = redis.streamer('isolation-svc');
    s.on('deadLetter', (e) => events.push(e));
    await s.subscribe(channel);
    s.registerHandler(channel, () => void calls.push('first'));
    s.registerHandler(channel, function breaks() {
      throw new Error('boom');
    });
    s.registerHandler(channel, () => void calls.push('third'));
    void s.persistConsume({ blockMs: 300 });
    const id = await redis.streamer('publisher').sendMessage(channel, { name: 'evt', body: { x: 1 } });
    await waitFor(() => events.length >= 1, 'dead letter event');
    assert.deepEqual(calls, ['first', 'third']);
    const event = events[0]!;
    assert.equal(event.id, id);
    assert.equal(event.reason, 'handler-failed');
    assert.equal(event.error, 'breaks: boom');
    assert.equal(event.group, `${channel}:isolation-svc:cg`);
    assert.equal(event.deadLetterStream, deadLetterKey(channel));
    const [record] = await s.deadLetters(channel).list();
    assert.ok(record);
    assert.equal(record.id, id);
    assert.equal(record.reason, 'handler-failed');
    assert.equal(record.name, 'evt');
    assert.deepEqual(record.body, { x: 1 });
    assert.equal(record.attempts, 1);
    assert.match(record.stack, /boom/);
    assert.ok(record.firstFailureMs > 0 && record.lastFailureMs >= record.firstFailureMs);
    const stats = await s.getStats();
    assert.equal(stats.failed, 1);
    assert.equal(stats.deadLettered, 1);
    assert.equal(stats.handled, 0);
  });

  it('applies a handler registered while consuming from the next message on', async () => {
    const channel = uniqueChannel('late-handler');
    const calls: string[] = [];
    const s = redis.streamer('late-handler-svc');
    await s.subscribe(channel);
    s.registerHandler(channel, (name) => void calls.push(`a:${name}`));
    void s.persistConsume({ blockMs: 300 });
    const publisher = redis.streamer('publisher');
    await publisher.sendMessage(channel, { name: 'one', body: {} });
    await waitFor(() => calls.length >= 1, 'first');
    s.registerHandler(channel, (name) => void calls.push(`b:${name}`));
    await publisher.sendMessage(channel, { name: 'two', body: {} });
    await waitFor(() => calls.length >= 3, 'second, by both');
    assert.deepEqual(calls, ['a:one', 'a:two', 'b:two']);
  });

  it('does not read a channel before it has a handler, so nothing is consumed unhandled', async () => {
    const channel = uniqueChannel('no-handler');
    const s = redis.streamer('no-handler-svc');
    await s.subscribe(channel);
    void s.persistConsume({ blockMs: 300 });
    const publisher = redis.streamer('publisher');
    await publisher.sendMessage(channel, { name: 'early', body: {} });
    await delay(400); // an absence: no read comes (nothing to wait on)
    const groups = (await redis.client.xinfo('GROUPS', channel)) as unknown[][];
    const info = groups[0]!;
    assert.equal(info[info.indexOf('entries-read') + 1], null, 'nothing read yet');
    const got: string[] = [];
    s.registerHandler(channel, (name) => void got.push(name));
    await waitFor(() => got.length >= 1, 'handled once a handler exists');
    assert.deepEqual(got, ['early']);
  });
});

describe('handlers that misbehave', () => {
  it('long synchronous handlers lose nothing (replies that arrived while they ran are kept)', async () => {
    const channel = uniqueChannel('busy-sync');
    const s = redis.streamer('busy-sync-svc'); // at-most-once: a discarded reply would be a loss
    const reconnects: string[] = [];
    s.on('reconnect', (e) => reconnects.push(e.connection));
    await s.subscribe(channel);
    const got: number[] = [];
    s.registerHandler(channel, (_n, p) => {
      const until = Date.now() + 60; // blocks the event loop
      while (Date.now() < until);
      got.push((p as { i: number }).i);
    });
    void s.persistConsume({ blockMs: 200, count: 8 });
    await redis.streamer('pub').sendMessages(
      channel,
      Array.from({ length: 40 }, (_, i) => ({ name: 'n', body: { i } })),
    );
    await waitFor(() => got.length === 40, 'all forty handled', 15_000);
    assert.deepEqual(
      got,
      Array.from({ length: 40 }, (_, i) => i),
    );
    assert.deepEqual(reconnects, [], 'no connection was cut');
  });

  it('a handler returning a broken thenable fails that message only', async () => {
    const channel = uniqueChannel('bad-thenable');
    const s = redis.streamer('bad-thenable-svc', { delivery: 'at-least-once', maxAttempts: 1 });
    await s.subscribe(channel);
    const got: number[] = [];
    s.registerHandler(channel, (_n, p) => {
      const { i } = p as { i: number };
      if (i === 2) {
        return {
          get then(): never {
            throw new Error('broken thenable');
          },
        };
      }
      got.push(i);
      return undefined;
    });
    void s.persistConsume({ blockMs: 200 });
    await redis.streamer('pub').sendMessages(
      channel,
      Array.from({ length: 10 }, (_, i) => ({ name: 'n', body: { i } })),
    );
    await waitFor(() => got.length === 9, 'the other nine handled');
    await waitFor(async () => (await s.deadLetters(channel).size()) === 1, 'the broken one dead-lettered');
    const [record] = await s.deadLetters(channel).list();
    assert.match(record?.error ?? '', /broken thenable/);
    await waitFor(
      async () =>
        Number(((await redis.client.xpending(channel, `${channel}:bad-thenable-svc:cg`)) as [number])[0]) === 0,
      'nothing left pending',
    );
  });
});

describe('entries that cannot be decoded', () => {
  it('go to the dead-letter stream with their reason and original bytes; the consumer keeps going', async () => {
    const channel = uniqueChannel('bad-input');
    const s = redis.streamer('bad-input-svc', { maxMessageBytes: 1024 });
    const events: DeadLetterEvent[] = [];
    s.on('deadLetter', (e) => events.push(e));
    await s.subscribe(channel);
    const good: unknown[] = [];
    s.registerHandler(channel, (_n, p) => void good.push(p));
    void s.persistConsume({ blockMs: 300 });
    const c = redis.client;
    const ids = {
      noName: await c.xadd(channel, '*', 'body', '{}'),
      noBody: await c.xadd(channel, '*', 'name', 'x'),
      badJson: await c.xadd(channel, '*', 'name', 'x', 'body', '{nope'),
      badUtf8: await c.xadd(channel, '*', 'name', 'x', 'body', Buffer.from([0x22, 0xff, 0xfe, 0x22])),
      tooLarge: await c.xadd(channel, '*', 'name', 'x', 'body', JSON.stringify('y'.repeat(2000))),
      empty: await c.xadd(channel, '*', '', ''),
      good: await c.xadd(channel, '*', 'name', 'ok', 'body', '{"fine": true}'),
    };
    await waitFor(() => events.length >= 6 && good.length >= 1, 'six dead letters and one good message');
    const reasons = Object.fromEntries(events.map((e) => [e.id, e.reason]));
    assert.deepEqual(reasons, {
      [ids.noName!]: 'missing-name',
      [ids.noBody!]: 'missing-body',
      [ids.badJson!]: 'invalid-json',
      [ids.badUtf8!]: 'invalid-utf8',
      [ids.tooLarge!]: 'too-large',
      [ids.empty!]: 'missing-name',
    });
    assert.deepEqual(good, [{ fine: true }]);
    // The dead letter keeps the original bytes, even when they are not UTF-8.
    const dlq = await c.xrangeBuffer(deadLetterKey(channel), '-', '+');
    const utf8Record = dlq.find(([, f]) =>
      f.some((v, i) => f[i - 1]?.toString() === 'dlq-id' && v.toString() === ids.badUtf8),
    );
    assert.ok(utf8Record, 'the invalid UTF-8 entry is in the dead-letter stream');
    const fields = utf8Record[1];
    const bodyIndex = fields.findIndex((v) => v.toString() === 'body');
    assert.deepEqual(fields[bodyIndex + 1], Buffer.from([0x22, 0xff, 0xfe, 0x22]));
  });

  it('handles a body that legitimately contains U+FFFD', async () => {
    const channel = uniqueChannel('fffd');
    const s = redis.streamer('fffd-svc');
    await s.subscribe(channel);
    const got: unknown[] = [];
    s.registerHandler(channel, (_n, p) => void got.push(p));
    void s.persistConsume({ blockMs: 300 });
    await redis.streamer('publisher').sendMessage(channel, { name: 'x', body: { s: 'a\uFFFDb' } });
    await waitFor(() => got.length >= 1, 'handled');
    assert.deepEqual(got, [{ s: 'a\uFFFDb' }]);
  });
});

/**
 * The test kit's bus (redis-streamer/testing): real streamers over the in-memory Redis on a manual
 * clock. Fan-out and load sharing, time control (advance, settled moving the clock by itself),
 * retries and dead letters with their reasons, replays, the assertion helpers, and settled()'s
 * refusal when work can never end. No redis-server: the differential tests and the conformance
 * suite (test/conformance/memory.test.ts) are what make the in-memory Redis trustworthy.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ConfigError, Message, UnrecoverableError, type RedisStreamerOptions } from 'redis-streamer';
import { createTestBus, NotSettledError, type TestBus } from 'redis-streamer/testing';

const RETRYING: RedisStreamerOptions = { delivery: 'at-least-once', maxAttempts: 3 };

let bus: TestBus | undefined;
const newBus = (...args: Parameters<typeof createTestBus>): TestBus => (bus = createTestBus(...args));
afterEach(async () => {
  await bus?.close();
  bus = undefined;
});

describe('test bus: fan-out and load sharing', () => {
  it('each service gets every message; two instances of one service share them, each message once', async () => {
    const b = newBus();
    const got: Array<[string, number]> = [];
    const instances = ['billing', 'billing', 'shipping', 'shipping'].map((service) => b.streamer(service));
    for (const s of instances) {
      await s.subscribe('orders');
      s.registerHandler('orders', (_name, payload) => void got.push([s.service, (payload as { i: number }).i]));
      void s.persistConsume();
    }
    await b.settled(); // every instance is consuming (waiting for entries) before the messages come
    const messages = Array.from({ length: 40 }, (_, i) => new Message('order.created', { i }));
    await b.streamer('shop').sendMessages('orders', messages); // more than one read's count (32)
    await b.settled();
    for (const service of ['billing', 'shipping']) {
      const seen = got.filter(([s]) => s === service).map(([, i]) => i);
      assert.deepEqual(
        [...seen].sort((x, y) => x - y),
        Array.from({ length: 40 }, (_, i) => i),
        `${service} handled each message once`,
      );
      const consumers = new Set(b.handled({ service }).map((h) => h.context.consumer));
      assert.equal(consumers.size, 2, `both instances of ${service} took part`);
    }
    assert.equal(b.published('orders').length, 40);
    assert.deepEqual(b.published('orders')[3]?.payload, { i: 3 });
  });
});

describe('test bus: time', () => {
  it('settled() runs retries to a dead letter by moving the clock, with backoffs as configured', async () => {
    const b = newBus({ startAt: Date.UTC(2030, 0, 1) });
    const billing = b.streamer('billing', { ...RETRYING, retryBaseMs: 1000, retryMaxMs: 60_000 });
    await billing.subscribe('orders');
    const at: number[] = [];
    billing.registerHandler('orders', () => {
      at.push(b.clock.now());
      throw new Error('payment service down');
    });
    void billing.persistConsume();
    const id = await b.streamer('shop').sendMessage('orders', { name: 'order.paid', body: { orderId: 'A1' } });
    const real = performance.now();
    await b.settled();
    assert.ok(performance.now() - real < 5000, 'no real waiting for the backoffs');
    assert.equal(at.length, 3, 'three attempts');
    // Equal jitter: attempt n waits between half and all of retryBaseMs * 2^(n-1).
    assert.ok(at[1]! - at[0]! >= 500 && at[1]! - at[0]! <= 1000 + 1000, `first backoff ${at[1]! - at[0]!} ms`);
    assert.ok(at[2]! - at[1]! >= 1000 && at[2]! - at[1]! <= 2000 + 1000, `second backoff ${at[2]! - at[1]!} ms`);
    assert.deepEqual(
      b.failed({ service: 'billing' }).map((f) => [f.attempt, f.error.message]),
      [
        [1, 'handler#1: payment service down'],
        [2, 'handler#1: payment service down'],
        [3, 'handler#1: payment service down'],
      ],
    );
    const [dead] = b.deadLettered({ channel: 'orders' });
    assert.equal(dead?.service, 'billing');
    assert.equal(dead?.reason, 'max-attempts');
    assert.equal(dead?.attempts, 3);
    assert.equal(dead?.id, id);
    const [stored] = await b.deadLetters('orders').list();
    assert.equal(stored?.reason, 'max-attempts');
    assert.deepEqual(stored?.body, { orderId: 'A1' });
    assert.deepEqual(b.handled(), []);
  });

  it('advance(ms) runs what falls due within ms, and nothing due later', async () => {
    const b = newBus();
    const billing = b.streamer('billing', { ...RETRYING, retryBaseMs: 10_000, retryMaxMs: 10_000 });
    await billing.subscribe('orders');
    let attempts = 0;
    billing.registerHandler('orders', () => {
      if (++attempts === 1) throw new Error('once');
    });
    void billing.persistConsume();
    await b.streamer('shop').sendMessage('orders', { name: 'order.paid', body: {} });
    await b.advance(0);
    assert.equal(attempts, 1, 'handled once at once, failed');
    const start = b.clock.now();
    await b.advance(4_000); // the retry is due 5 to 10 s after the failure
    assert.equal(attempts, 1, 'not retried before its backoff');
    assert.equal(b.clock.now(), start + 4_000);
    await b.advance(7_100); // due by now, and a sweep (every claimIntervalMs, 1 s) has run since
    assert.equal(attempts, 2, 'retried once its backoff passed');
    assert.equal(b.handled().length, 1);
    await b.settled();
    assert.equal(attempts, 2);
  });

  it('an UnrecoverableError dead-letters at once; a replay reaches the failing service only', async () => {
    const b = newBus();
    const seen: string[] = [];
    let broken = true;
    for (const service of ['billing', 'audit']) {
      const s = b.streamer(service, RETRYING);
      await s.subscribe('orders');
      s.registerHandler('orders', (_name, _p, ctx) => {
        seen.push(`${service}:${ctx.source}:${ctx.attempt}`);
        if (service === 'billing' && broken) throw new UnrecoverableError('bad order');
      });
      void s.persistConsume();
    }
    await b.streamer('shop').sendMessage('orders', new Message('order.created', { id: 7 }));
    await b.settled();
    assert.deepEqual(seen.sort(), ['audit:channel:1', 'billing:channel:1']);
    assert.deepEqual(
      b.deadLettered().map((d) => [d.service, d.reason, d.attempts]),
      [['billing', 'unrecoverable', 1]],
    );
    broken = false;
    const replayed = await b.deadLetters('orders').replay('all');
    assert.equal(replayed.replayed, 1);
    await b.settled();
    assert.deepEqual(seen.sort(), ['audit:channel:1', 'billing:channel:1', 'billing:replay:1']);
    assert.equal(await b.deadLetters('orders').size(), 0);
    assert.equal(b.published('orders').length, 1, 'the replay did not go through the channel');
  });

  it('settled() rejects with NotSettledError naming the group of a service that is not consuming', async () => {
    const b = newBus({ settleLimitMs: 60_000 });
    const idle = b.streamer('idle');
    await idle.subscribe('orders');
    await b.streamer('shop').sendMessage('orders', { name: 'order.paid', body: {} });
    await assert.rejects(b.settled(), (err: unknown) => {
      assert.ok(err instanceof NotSettledError);
      assert.equal(err.code, 'ERR_NOT_SETTLED');
      assert.match(err.message, /group "orders:idle:cg" of stream "orders": entries up to \d+-0 not read yet/);
      assert.match(err.message, /persistConsume\(\)/);
      return true;
    });
  });

  it('close() gives a handler that never ends 1 s, and says so in errors(); settled() named it first', async () => {
    const b = newBus({ realTimeLimitMs: 200 });
    const s = b.streamer('stuck');
    await s.subscribe('orders');
    s.registerHandler('orders', () => new Promise<void>(() => {}));
    const run = s.persistConsume();
    await b.streamer('shop').sendMessage('orders', { name: 'order.paid', body: {} });
    await assert.rejects(b.settled(), /1 handling\(s\) still running/);
    const started = performance.now();
    await b.close();
    await run;
    const took = performance.now() - started;
    assert.ok(took >= 900 && took < 5000, `close() took ${Math.round(took)} ms: the kit's shutdownTimeoutMs, 1 s`);
    assert.deepEqual(
      b.errors().map((e) => [e.service, e.error.name]),
      [['stuck', 'ShutdownTimeoutError']],
    );
  });

  it('warnings() has what production would log: a handler for a channel not subscribed', async () => {
    const b = newBus();
    const s = b.streamer('forgetful');
    s.registerHandler('orders', () => {});
    void s.persistConsume();
    await b.streamer('shop').sendMessage('orders', { name: 'order.paid', body: {} });
    await b.settled();
    assert.deepEqual(b.handled(), []);
    const warned = b.warnings().filter((w) => w.service === 'forgetful');
    assert.ok(
      warned.some((w) => /not subscribed/.test(w.message)),
      `warned: ${JSON.stringify(warned.map((w) => w.message))}`,
    );
  });

  it('settled() waits in real time for a handler awaiting real I/O, without moving the clock meanwhile', async () => {
    const b = newBus();
    const s = b.streamer('slow');
    await s.subscribe('orders');
    let done = false;
    s.registerHandler('orders', async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      done = true;
    });
    void s.persistConsume();
    await b.streamer('shop').sendMessage('orders', { name: 'n', body: {} });
    const before = b.clock.now();
    await b.settled();
    assert.equal(done, true);
    assert.equal(b.clock.now(), before, 'nothing was left but the handler: the clock stayed');
  });

  it('with node:test mock timers: settles when setImmediate is left real, and says so when it is mocked', async (t) => {
    const b = newBus();
    const s = b.streamer('mocked');
    await s.subscribe('orders');
    let handled = 0;
    s.registerHandler('orders', () => void handled++);
    void s.persistConsume();
    t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] });
    await b.streamer('shop').sendMessage('orders', { name: 'n', body: {} });
    await b.settled();
    assert.equal(handled, 1);
    t.mock.timers.reset();
    t.mock.timers.enable();
    await assert.rejects(
      b.settled(),
      (err: unknown) =>
        err instanceof ConfigError &&
        /setImmediate does not run .*mock only \['setTimeout', 'setInterval', 'Date'\], or move time with bus\.advance\(\)/.test(
          err.message,
        ),
    );
    await assert.rejects(b.advance(10), (err: unknown) => err instanceof ConfigError, 'advance() says so too');
    t.mock.timers.reset();
    await b.settled();
    // A wrapper that still calls the real setImmediate (instrumentation) is not taken for a mock.
    const real = globalThis.setImmediate;
    t.mock.method(globalThis, 'setImmediate', (...args: Parameters<typeof setImmediate>) => real(...args));
    await b.streamer('shop').sendMessage('orders', { name: 'n', body: {} });
    await b.settled();
    assert.equal(handled, 2);
  });
});

describe('test bus: the library codec and checks', () => {
  it('refuses a Map body as in production; NaN round-trips as dtpyfw writes it', async () => {
    const b = newBus();
    const s = b.streamer('svc');
    await s.subscribe('numbers');
    const payloads: unknown[] = [];
    s.registerHandler('numbers', (_n, payload) => void payloads.push(payload));
    void s.persistConsume();
    const shop = b.streamer('shop');
    await assert.rejects(shop.sendMessage('numbers', { name: 'n', body: new Map([['a', 1]]) }), {
      code: 'ERR_INVALID_MESSAGE',
    });
    await shop.sendMessage('numbers', { name: 'n', body: { x: NaN, y: -Infinity } });
    await b.settled();
    assert.deepEqual(payloads, [{ x: NaN, y: -Infinity }]);
    assert.match(String(b.redis('XRANGE', 'numbers', '-', '+')), /"x": ?NaN/);
  });

  it('checks its options and calls: unknown keys, wrong types, advance() on the system clock', async () => {
    assert.throws(() => createTestBus({ tiem: 'manual' } as never), ConfigError);
    assert.throws(() => createTestBus({ time: 'fast' } as never), /time/);
    const b = newBus({ time: 'system' });
    await assert.rejects(b.advance(10), /advance\(\) moves the manual clock/);
    const m = createTestBus();
    await assert.rejects(m.advance(-1), ConfigError);
    assert.throws(() => m.deadLettered({ name: 'x' }), ConfigError);
    assert.throws(() => m.redis('NOSUCH'), { code: 'ERR_REDIS' });
    await m.close();
    assert.throws(() => m.streamer('x'), { code: 'ERR_CLOSED' });
  });

  it('close() ends every consume run: persistConsume() resolves and nothing is left running', async () => {
    const b = newBus();
    const s = b.streamer('svc');
    await s.subscribe('orders');
    s.registerHandler('orders', () => {});
    const run = s.persistConsume();
    await b.advance(60_000);
    await b.close();
    await run;
    assert.equal((await s.getStats().catch((e: unknown) => e)) instanceof Error, false);
  });
});

/**
 * The Transport extension point of `new RedisStreamer(transport, ...)`: a transport is checked
 * (a wrong field is a ConfigError naming it), the streamer opens every connection through it (with
 * the labels and kinds the port documents) and runs its delivery timers on its clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConfigError,
  RedisStreamer,
  silentLogger,
  type Clock,
  type ConnectionKind,
  type RedisPort,
  type Transport,
} from 'redis-streamer';
import { ManualClock } from '../../src/testing/memory/clock.js';
import { MemoryPort } from '../../src/testing/memory/memory-port.js';
import { MemoryStore } from '../../src/testing/memory/store/store.js';

const base = { open: (): RedisPort => assert.fail('not opened'), describe: 'x', cluster: false, sentinel: false };

describe('Transport', () => {
  it('is checked: each wrong field is a ConfigError naming it', () => {
    const cases: Array<[object, RegExp]> = [
      [{ ...base, describe: 1 }, /transport's describe must be a string/],
      [{ ...base, cluster: 'no' }, /transport's cluster must be a boolean/],
      [{ ...base, sentinel: undefined }, /transport's sentinel must be a boolean/],
      [{ ...base, clock: { now: () => 0 } }, /transport's clock must be an object with now\(\) and setTimer/],
      [{ ...base, clock: null }, /transport's clock/],
    ];
    for (const [transport, message] of cases) {
      assert.throws(
        () => new RedisStreamer(transport as Transport, 'svc'),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.match(err.message, message);
          return true;
        },
      );
    }
    assert.throws(
      () => new RedisStreamer({ describe: 'x' } as never, 'svc'),
      ConfigError,
      'no open(): not a transport',
    );
  });

  it('opens every connection through open(), and runs delivery timers on its clock', async () => {
    const manual = new ManualClock(Date.UTC(2030, 0, 1));
    let timers = 0;
    const clock: Clock = {
      now: () => manual.now(),
      setTimer: (ms, fire) => {
        timers++;
        return manual.setTimer(ms, fire);
      },
    };
    const store = new MemoryStore({ clock: manual });
    const opened: Array<[string, ConnectionKind['kind']]> = [];
    // A class: open() is called as a method, with its `this`.
    class Counting implements Transport {
      readonly describe = 'counting';
      readonly cluster = false;
      readonly sentinel = false;
      readonly clock = clock;
      private readonly endpoint = 'counted';
      open(label: string, kind: ConnectionKind): RedisPort {
        opened.push([label, kind.kind]);
        return new MemoryPort(store, { label, endpoint: this.endpoint });
      }
    }
    const streamer = new RedisStreamer(new Counting(), 'svc', {
      logger: silentLogger,
      delivery: 'at-least-once',
      retryBaseMs: 10_000,
      retryMaxMs: 10_000,
    });
    await streamer.subscribe('orders');
    let attempts = 0;
    streamer.registerHandler('orders', () => {
      if (++attempts === 1) throw new Error('once');
    });
    const run = streamer.persistConsume({ blockMs: 1000 });
    await streamer.sendMessage('orders', { name: 'n', body: {} });
    const turns = async (): Promise<void> => {
      for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    };
    await turns();
    assert.equal(attempts, 1);
    assert.ok(timers > 0, 'the streamer set timers on the transport clock');
    for (let t = 0; t < 12 && attempts < 2; t++) {
      manual.advance(1000);
      await turns();
    }
    assert.equal(attempts, 2, 'retried once the transport clock passed its backoff');
    const stats = await streamer.getStats();
    assert.ok(stats.connections.every((c) => c.endpoint === 'counted'));
    await streamer.cleanup();
    await run;
    assert.deepEqual(opened, [
      ['svc:command', 'command'],
      ['svc:channel:orders', 'blocking'],
    ]);
  });
});

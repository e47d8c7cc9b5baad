/**
 * The in-memory port's own semantics on a clock the test moves: waits that end on an entry, on
 * their timeout or with CLIENT UNBLOCK, the script behind a wait run at once, commands held behind a
 * blocking one in the order sent, WAIT, the connection's lifecycle. No Redis: this is the kit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionError, InternalError, RedisCommandError } from '../../src/errors.js';
import { scripts } from '../../src/scripts/index.js';
import { LoadedScript } from '../../src/scripts/loader.js';
import { ManualClock } from '../../src/testing/memory/clock.js';
import { call } from '../../src/testing/memory/commands/index.js';
import { MemoryPort } from '../../src/testing/memory/memory-port.js';
import { MemoryStore } from '../../src/testing/memory/store/store.js';

const T0 = 1_700_000_000_000;

function setup(options: { replicas?: number } = {}): {
  clock: ManualClock;
  store: MemoryStore;
  port: (label?: string) => MemoryPort;
} {
  const clock = new ManualClock(T0);
  const store = new MemoryStore({ clock, ...options });
  return { clock, store, port: (label = 'test') => new MemoryPort(store, { label }) };
}

/** Whether a promise has settled after the pending microtasks ran. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('MemoryPort', () => {
  it('makes ids from the store clock with the ms-seq rules, and TIME is that clock', async () => {
    const { clock, port } = setup();
    const p = port();
    assert.equal(await p.xadd('s', ['a', '1']), `${T0}-0`);
    assert.equal(await p.xadd('s', ['a', '2']), `${T0}-1`);
    clock.advance(5);
    assert.equal(await p.xadd('s', ['a', '3']), `${T0 + 5}-0`);
    assert.equal(await p.time(), T0 + 5);
  });

  it('a wait ends when an entry arrives, and resolves with the stream and the first new id', async () => {
    const { port } = setup();
    const [reader, writer] = [port('reader'), port('writer')];
    const waiting = reader.waitForEntries(['a', 'b'], ['0-0', '0-0'], 10_000);
    assert.equal(await settled(waiting), false);
    const id = await writer.xadd('b', ['n', '1']);
    assert.deepEqual(await waiting, [['b', id]]);
  });

  it('a wait times out when the clock passes its block time, not before', async () => {
    const { clock, port } = setup();
    const waiting = port().waitForEntries(['a'], ['0-0'], 1000);
    clock.advance(999);
    assert.equal(await settled(waiting), false);
    clock.advance(1);
    assert.deepEqual(await waiting, []);
  });

  it('on a clock without timers, waits time out when tick() is called after the clock moved', async () => {
    let now = T0;
    const store = new MemoryStore({ clock: { now: () => now } });
    const waiting = new MemoryPort(store, { label: 'reader' }).waitForEntries(['a'], ['0-0'], 1000);
    now += 999;
    store.tick();
    assert.equal(await settled(waiting), false);
    now += 1;
    store.tick();
    assert.deepEqual(await waiting, []);
  });

  it('CLIENT UNBLOCK from another connection ends a wait as a timeout; false for a client not waiting', async () => {
    const { port } = setup();
    const [reader, other] = [port('reader'), port('other')];
    const id = await reader.clientId();
    assert.equal(typeof id, 'number');
    const waiting = reader.waitForEntries(['a'], ['0-0'], 0);
    assert.equal(await other.clientUnblock(id ?? -1), true);
    assert.deepEqual(await waiting, []);
    assert.equal(await other.clientUnblock(id ?? -1), false);
  });

  it('the script sent behind a wait runs the moment the wait ends, and says whether it woke', async () => {
    const { clock, port, store } = setup();
    call(store, 'XGROUP', 'CREATE', 'orders', 'g', '$', 'MKSTREAM');
    const [reader, writer] = [port('reader'), port('writer')];
    const keys = ['orders', 'mark', 'replay'];
    const args = ['g', 60_000, 'me', 10, '0'];
    const woken = reader.runScriptAfterWait(
      'orders',
      { afterId: '0-0', blockMs: 5000 },
      scripts.guardedRead,
      keys,
      args,
    );
    const id = await writer.xadd('orders', ['name', 'x']);
    // Delivered already: the read ran before the writer's next command could.
    assert.deepEqual(call(store, 'XPENDING', 'orders', 'g'), [1, id, id, [['me', '1']]]);
    const { result, woke } = await woken;
    assert.equal(woke, true);
    assert.deepEqual(scripts.guardedRead.parse(result)[6], [[id, ['name', 'x']]]);
    const idle = reader.runScriptAfterWait('orders', { afterId: id, blockMs: 100 }, scripts.guardedRead, keys, args);
    clock.advance(100);
    const timedOut = await idle;
    assert.equal(timedOut.woke, false);
    assert.deepEqual(scripts.guardedRead.parse(timedOut.result)[6], []);
  });

  it('commands sent on a connection behind a wait are held until it ends, and answered in order', async () => {
    const { port, store } = setup();
    const reader = port('reader');
    const order: string[] = [];
    const waiting = reader.waitForEntries(['a'], ['0-0'], 0).then(() => order.push('wait'));
    const later = reader.xlen('a').then((n) => order.push(`xlen ${n}`));
    assert.equal(await settled(later), false);
    call(store, 'XADD', 'a', '*', 'n', '1');
    await Promise.all([waiting, later]);
    assert.deepEqual(order, ['wait', 'xlen 1']);
  });

  it('WAIT: the store replicas acknowledge at once; asking for more waits out the timeout', async () => {
    const { clock, port } = setup();
    const p = port();
    const now = await scripts.publish.runThenWait(p, ['s'], [1, 1, 'a', 'b'], { replicas: 0, timeoutMs: 50 });
    assert.equal(now.waited, 0);
    const waiting = scripts.publish.runThenWait(p, ['s'], [1, 1, 'a', 'b'], { replicas: 1, timeoutMs: 50 });
    assert.equal(await settled(waiting), false);
    clock.advance(50);
    assert.equal((await waiting).waited, 0);
    const two = setup({ replicas: 2 });
    const acked = await scripts.publish.runThenWait(two.port(), ['s'], [1, 1, 'a', 'b'], { replicas: 1, timeoutMs: 0 });
    assert.equal(acked.waited, 2);
  });

  it('is connecting, then ready (with the event), then closed; a wait in progress and later commands fail', async () => {
    const { port } = setup();
    const p = port('channel:orders');
    assert.equal(p.status().state, 'connecting');
    let ready = 0;
    p.on('ready', () => ready++);
    await p.connect();
    assert.equal(ready, 1);
    assert.equal(p.status().state, 'ready');
    assert.ok(p.lastDataAt > 0);
    const waiting = p.waitForEntries(['a'], ['0-0'], 0);
    const held = p.xlen('a');
    await p.close();
    assert.equal(p.status().state, 'closed');
    await assert.rejects(waiting, (err: unknown) => err instanceof ConnectionError && err.sent);
    await assert.rejects(held, ConnectionError);
    await assert.rejects(p.xlen('a'), (err: unknown) => err instanceof ConnectionError && !err.sent);
    p.destroy();
    assert.equal(p.lastDataAt, 0);
  });

  it("refusals are RedisCommandError with Redis' code; a script without a twin is a bug, said so", async () => {
    const { port } = setup();
    const p = port();
    await assert.rejects(
      p.xreadgroup({ group: 'g', consumer: 'c', key: 's', count: 1, noAck: false }),
      (err: unknown) => err instanceof RedisCommandError && err.redisCode === 'NOGROUP',
    );
    await p.xadd('str', ['a', 'b']);
    await assert.rejects(
      p.getString('str'),
      (err: unknown) => err instanceof RedisCommandError && err.redisCode === 'WRONGTYPE',
    );
    await assert.rejects(p.runScript(new LoadedScript('no-such-script'), [], []), InternalError);
  });
});

/**
 * The in-memory port against the ioredis port: the same port calls (with the library's own scripts
 * and reply checks) on a private redis-server and on the in-memory store give the same results,
 * errors included, blocking waits included.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { ConnectionKind, RedisPort } from '../../src/connection/port.js';
import { portFactory } from '../../src/connection/port-factory.js';
import { RedisCommandError } from '../../src/errors.js';
import { scripts } from '../../src/scripts/index.js';
import { MemoryPort } from '../../src/testing/memory/memory-port.js';
import { Differential, difference } from './differential.js';

type Both = { real: RedisPort; model: RedisPort };

describe('MemoryPort vs IoredisPort on redis-server', () => {
  let d: Differential;
  let ports: Both;
  let others: Both;
  before(async () => {
    d = await Differential.start();
    const source = portFactory(d.url);
    const open = (label: string, kind: ConnectionKind): RedisPort => source.open(label, kind);
    ports = { real: open('command', { kind: 'command' }), model: new MemoryPort(d.store, { label: 'command' }) };
    others = { real: open('other', { kind: 'blocking' }), model: new MemoryPort(d.store, { label: 'other' }) };
    await Promise.all([ports.real.connect(), others.real.connect()]);
  });
  after(async () => {
    await Promise.all([ports.real.close(), ports.model.close(), others.real.close(), others.model.close()]);
    await d.stop();
  });
  beforeEach(() => d.flush());

  /** Runs a port call on both sides; asserts the same outcome (errors by class and Redis code). */
  const same = async <T>(
    what: string,
    run: (port: RedisPort, side: 'real' | 'model') => Promise<T>,
    on = ports,
  ): Promise<void> => {
    await d.sync();
    const settle = (p: Promise<T>): Promise<unknown> =>
      p.then(
        (value) => ({ value }),
        (err: Error) => ({ error: err.name, code: err instanceof RedisCommandError ? err.redisCode : undefined }),
      );
    const real = await settle(run(on.real, 'real'));
    const model = await settle(run(on.model, 'model'));
    const diff = difference(real, model);
    assert.equal(diff, undefined, `${what}: ${JSON.stringify(real)} vs ${JSON.stringify(model)}`);
  };

  it('appends, reads, deletes and inspects through the port as the ioredis port does', async () => {
    await same('xadd', (p) => p.xadd('s', ['name', 'a', 'body', '1']).then((id) => /^\d+-\d+$/.test(id)));
    for (let i = 0; i < 5; i++) await d.quietly(['XADD', 's2', `${i + 1}-0`, 'n', String(i)]);
    await same('xlen', (p) => p.xlen('s2'));
    await same('xrange', (p) => p.xrange('s2', '(1-0', '+', 2));
    await same('xrangeRawFields', (p) => p.xrangeRawFields('s2', '3-0').then((b) => b?.map((x) => x.toString('hex'))));
    await same('xrangeRawFields of a missing id', (p) => p.xrangeRawFields('s2', '9-0'));
    await same('xrevrangeLast', (p) => p.xrevrangeLast('s2'));
    await same('xrevrangeLast of nothing', (p) => p.xrevrangeLast('missing'));
    await same('xdel', (p) => p.xdel('s2', ['2-0', '9-0']));
    await same('xdel of no ids', (p) => p.xdel('s2', []));
    await same('getString', (p) => p.getString('nothing'));
    await same('keysOfType', (p) => p.keysOfType('stream').then((k) => k.sort()));
    await same('configGet', (p) => p.configGet('maxmemory-policy'));
    await same('configGet of an unknown parameter', (p) => p.configGet('no-such-parameter'));
    await same('time', (p) => p.time());
    await same('deleteStream', (p) => p.deleteStream('s2'));
    await same('deleteStream of a missing key', (p) => p.deleteStream('s2'));
    await same('clientUnblock of a client not blocked', (p) => p.clientUnblock(987654));
    await d.sameState(['s', 's2']);
  });

  it('groups, reads between the guard scripts, acknowledgements and script errors', async () => {
    for (let i = 0; i < 6; i++) await d.quietly(['XADD', 's', `${i + 1}-0`, 'n', String(i)]);
    const create = (p: RedisPort): Promise<string> => scripts.createGroup.run(p, ['s', 'seen'], ['g', '0-0']);
    await same('create-group', create);
    await same('create-group again', create);
    const read = { group: 'g', consumer: 'c', key: 's', count: 2, noAck: false };
    await same('xreadgroup', (p) => p.xreadgroup(read));
    const guarded = (p: RedisPort) =>
      p.readBetweenScripts(
        { ...read, count: 3 },
        { script: scripts.guardBeforeRead, keys: ['s', 'mark'], args: ['g', 60_000] },
        { script: scripts.guardAfterRead, keys: ['s', 'mark', 'replay'], args: ['g'] },
      );
    await same('readBetweenScripts', guarded);
    await d.same(['XGROUP', 'SETID', 's', 'g', '0']);
    await same('readBetweenScripts after SETID', guarded);
    await same('xack', (p) => p.xack('s', 'g', ['1-0', '2-0', '9-0']));
    await same('xreadgroup NOGROUP', (p) => p.xreadgroup({ ...read, group: 'nope' }));
    await same('readBetweenScripts NOGROUP', (p) =>
      p.readBetweenScripts(
        { ...read, group: 'nope' },
        { script: scripts.guardBeforeRead, keys: ['s', 'mark'], args: ['nope', 60_000] },
        { script: scripts.guardAfterRead, keys: ['s', 'mark', 'replay'], args: ['nope'] },
      ),
    );
    await same('a script error', (p) => scripts.guardedRead.run(p, ['s', 'mark', 'replay'], ['nope', 1, 'c', 1, '0']));
    await same('runScriptThenWait (WAIT 0)', (p) =>
      scripts.publish.runThenWait(p, ['s'], [1, 1, 'a', 'b'], { replicas: 0, timeoutMs: 100 }).then((r) => r.waited),
    );
    await d.sameState(['s', 'mark', 'seen']);
  });

  it('a wait and the script behind it: woken by an entry, or timed out, as on Redis', async () => {
    await d.quietly(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    const args = ['g', 60_000, 'c', 10, '0'];
    const keys = ['s', 'mark', 'replay'];
    await d.sync();
    const last = await ports.real.xrevrangeLast('s');
    const waits = {
      real: ports.real.runScriptAfterWait(
        's',
        { afterId: last ?? '0-0', blockMs: 5000 },
        scripts.guardedRead,
        keys,
        args,
      ),
      model: ports.model.runScriptAfterWait('s', { afterId: '0-0', blockMs: 5000 }, scripts.guardedRead, keys, args),
    };
    await new Promise((r) => setTimeout(r, 50));
    await d.quietly(['XADD', 's', '7-0', 'n', 'new']);
    const [real, model] = await Promise.all([waits.real, waits.model]);
    assert.equal(difference(real, model), undefined, `woken: ${JSON.stringify(real)} vs ${JSON.stringify(model)}`);
    assert.equal(real.woke, true);
    await d.sync();
    const timedOut = {
      real: ports.real.runScriptAfterWait('s', { afterId: '7-0', blockMs: 100 }, scripts.guardedRead, keys, args),
      model: ports.model.runScriptAfterWait('s', { afterId: '7-0', blockMs: 100 }, scripts.guardedRead, keys, args),
    };
    d.clock.advance(100);
    const [r2, m2] = await Promise.all([timedOut.real, timedOut.model]);
    assert.equal(difference(r2, m2), undefined, `timed out: ${JSON.stringify(r2)} vs ${JSON.stringify(m2)}`);
    assert.equal(r2.woke, false);
  });

  it('waitForEntries: at once, woken, timed out, ended by CLIENT UNBLOCK from another connection', async () => {
    await d.quietly(['XADD', 'a', '5-0', 'n', '1']);
    await same('without BLOCK', (p) => p.waitForEntries(['a', 'b'], ['0-0', '0-0'], undefined));
    await same('with BLOCK, at once', (p) => p.waitForEntries(['a', 'b'], ['0-0', '0-0'], 1000));
    const woken = {
      real: others.real.waitForEntries(['a', 'b'], ['5-0', '0-0'], 5000),
      model: others.model.waitForEntries(['a', 'b'], ['5-0', '0-0'], 5000),
    };
    await new Promise((r) => setTimeout(r, 50));
    await d.quietly(['XADD', 'b', '6-0', 'n', '1']);
    assert.deepEqual(await woken.real, [['b', '6-0']]);
    assert.deepEqual(await woken.model, [['b', '6-0']]);
    const ids = { real: await others.real.clientId(), model: await others.model.clientId() };
    const unblocked = {
      real: others.real.waitForEntries(['a'], ['9-0'], 5000),
      model: others.model.waitForEntries(['a'], ['9-0'], 5000),
    };
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await ports.real.clientUnblock(ids.real ?? -1), true);
    assert.equal(await ports.model.clientUnblock(ids.model ?? -1), true);
    assert.deepEqual(await unblocked.real, []);
    assert.deepEqual(await unblocked.model, []);
  });
});

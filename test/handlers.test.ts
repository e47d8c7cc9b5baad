/**
 * runHandlers and HandlerRegistry: order, name filter, sync/async/thenable results, failure
 * isolation, copy-on-write registration, labels.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { HandlerRegistry, runHandlers, type Handler, type MessageContext } from '../src/handlers.js';

const context: MessageContext = Object.freeze({
  channel: 'orders',
  id: '1712345678901-0',
  group: 'orders:billing:cg',
  consumer: 'billing.host.1.deadbeef',
  service: 'billing',
  attempt: 1,
  source: 'channel',
  fields: Object.freeze({}),
  idempotencyKey: undefined,
});

/** A function whose name is '' (so the registry must invent a label). */
function anonymous(fn: Handler): Handler {
  const wrapped = [(...args: Parameters<Handler>): unknown => fn(...args)][0]!;
  assert.equal(wrapped.name, '');
  return wrapped;
}

/** A registry holding `handlers` for channel 'orders'. */
function registryWith(...handlers: Array<[Handler, string?]>): HandlerRegistry {
  const registry = new HandlerRegistry();
  for (const [handler, name] of handlers) registry.add('orders', handler, name);
  return registry;
}

async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const result = await Promise.race([promise, sleep(5).then(() => marker)]);
  return result === marker;
}

void describe('runHandlers', () => {
  void it('calls the handlers in registration order with name, payload and context', async () => {
    const calls: unknown[][] = [];
    const registry = registryWith(
      [(...args) => void calls.push(['first', ...args])],
      [(...args) => void calls.push(['second', ...args])],
      [(...args) => void calls.push(['third', ...args])],
    );
    const payload = { id: 7 };
    const failures = await runHandlers(registry.get('orders'), 'order.created', payload, context);
    assert.deepEqual(failures, []);
    assert.deepEqual(calls, [
      ['first', 'order.created', payload, context],
      ['second', 'order.created', payload, context],
      ['third', 'order.created', payload, context],
    ]);
    assert.equal(calls[0]![2], payload, 'the same payload object');
  });

  void it('skips handlers registered for another event name', async () => {
    const calls: string[] = [];
    const registry = registryWith(
      [() => void calls.push('all')],
      [() => void calls.push('created'), 'order.created'],
      [() => void calls.push('cancelled'), 'order.cancelled'],
      [() => void calls.push('all again')],
    );
    await runHandlers(registry.get('orders'), 'order.created', {}, context);
    assert.deepEqual(calls, ['all', 'created', 'all again']);
    calls.length = 0;
    await runHandlers(registry.get('orders'), 'order.cancelled', {}, context);
    assert.deepEqual(calls, ['all', 'cancelled', 'all again']);
    calls.length = 0;
    await runHandlers(registry.get('orders'), 'Order.Created', {}, context);
    assert.deepEqual(calls, ['all', 'all again'], 'the filter is exact');
  });

  void it('awaits async handlers one after another', async () => {
    const events: string[] = [];
    const registry = registryWith(
      [
        async () => {
          events.push('slow start');
          await sleep(10);
          events.push('slow end');
        },
      ],
      [() => void events.push('sync')],
      [
        async () => {
          events.push('fast start');
          await sleep(1);
          events.push('fast end');
        },
      ],
    );
    const run = runHandlers(registry.get('orders'), 'n', {}, context);
    assert.deepEqual(events, ['slow start'], 'the second handler waits for the first');
    await run;
    assert.deepEqual(events, ['slow start', 'slow end', 'sync', 'fast start', 'fast end']);
  });

  void it('awaits thenables that are not Promises', async () => {
    const events: string[] = [];
    const thenable = {
      then(onFulfilled: (value: unknown) => void): void {
        setTimeout(() => {
          events.push('thenable settled');
          onFulfilled('ok');
        }, 5);
      },
    };
    const registry = registryWith([() => thenable], [() => void events.push('next')]);
    await runHandlers(registry.get('orders'), 'n', {}, context);
    assert.deepEqual(events, ['thenable settled', 'next']);
  });

  void it('reports a rejecting thenable as a failure', async () => {
    const error = new Error('thenable failed');
    const thenable = {
      then(_onFulfilled: (value: unknown) => void, onRejected: (reason: unknown) => void): void {
        setTimeout(() => onRejected(error), 1);
      },
    };
    const registry = registryWith([
      function viaThenable() {
        return thenable;
      },
    ]);
    const failures = await runHandlers(registry.get('orders'), 'n', {}, context);
    assert.deepEqual(failures, [{ label: 'viaThenable', error }]);
  });

  void it('runs the other handlers when one throws or rejects, and reports each failure with its label', async () => {
    const calls: string[] = [];
    const thrown = new Error('thrown');
    const rejected = new Error('rejected');
    const registry = registryWith(
      [
        function throwsSync() {
          calls.push('throwsSync');
          throw thrown;
        },
      ],
      [() => void calls.push('ok1')],
      [
        async function rejects() {
          calls.push('rejects');
          await sleep(1);
          throw rejected;
        },
      ],
      [
        anonymous(() => {
          calls.push('anonymous');
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- a non-Error must be reported too
          throw 'a string';
        }),
      ],
      [() => void calls.push('ok2')],
    );
    const failures = await runHandlers(registry.get('orders'), 'n', {}, context);
    assert.deepEqual(calls, ['throwsSync', 'ok1', 'rejects', 'anonymous', 'ok2']);
    assert.deepEqual(failures, [
      { label: 'throwsSync', error: thrown },
      { label: 'rejects', error: rejected },
      { label: 'handler#4', error: 'a string' },
    ]);
  });

  void it('never throws and returns no failures when nothing matches', async () => {
    assert.deepEqual(await runHandlers([], 'n', {}, context), []);
    const registry = registryWith([
      () => {
        throw new Error('not called');
      },
      'other',
    ]);
    assert.deepEqual(await runHandlers(registry.get('orders'), 'n', {}, context), []);
  });
});

void describe('HandlerRegistry', () => {
  void it('keeps handlers per channel', () => {
    const registry = new HandlerRegistry();
    const a: Handler = () => {};
    const b: Handler = () => {};
    registry.add('orders', a, undefined);
    registry.add('payments', b, 'payment.done');
    assert.deepEqual(
      registry.get('orders').map((e) => [e.handler, e.name]),
      [[a, undefined]],
    );
    assert.deepEqual(
      registry.get('payments').map((e) => [e.handler, e.name]),
      [[b, 'payment.done']],
    );
    assert.deepEqual(registry.get('unknown'), []);
  });

  void it('labels handlers with their function name, else handler#<position>', () => {
    const registry = new HandlerRegistry();
    registry.add(
      'orders',
      anonymous(() => {}),
      undefined,
    );
    registry.add('orders', function billOrder() {}, undefined);
    registry.add(
      'orders',
      anonymous(() => {}),
      'order.created',
    );
    const named = (): void => {};
    registry.add('orders', named, undefined);
    registry.add(
      'payments',
      anonymous(() => {}),
      undefined,
    );
    assert.deepEqual(
      registry.get('orders').map((e) => e.label),
      ['handler#1', 'billOrder', 'handler#3', 'named'],
    );
    assert.deepEqual(
      registry.get('payments').map((e) => e.label),
      ['handler#1'],
    );
  });

  void it('is copy-on-write: a handler added during a run is not called by that run', async () => {
    const registry = new HandlerRegistry();
    const calls: string[] = [];
    const late: Handler = () => void calls.push('late');
    registry.add(
      'orders',
      async () => {
        calls.push('first');
        registry.add('orders', late, undefined);
        await sleep(1);
      },
      undefined,
    );
    registry.add('orders', () => void calls.push('second'), undefined);
    const snapshot = registry.get('orders');
    await runHandlers(snapshot, 'n', {}, context);
    assert.deepEqual(calls, ['first', 'second']);
    assert.equal(snapshot.length, 2, 'the list being run did not change');
    assert.ok(Object.isFrozen(snapshot));
    assert.equal(registry.get('orders').length, 3);
    calls.length = 0;
    await runHandlers(registry.get('orders'), 'n', {}, context);
    assert.deepEqual(calls, ['first', 'second', 'late']);
  });

  void it('whenAny resolves on the first registration on that channel', async () => {
    const registry = new HandlerRegistry();
    const waiting = registry.whenAny('orders');
    const other = registry.whenAny('orders');
    assert.equal(await isPending(waiting), true);
    registry.add('payments', () => {}, undefined);
    assert.equal(await isPending(waiting), true, 'another channel does not wake it');
    registry.add('orders', () => {}, undefined);
    assert.equal(await isPending(waiting), false);
    assert.equal(await isPending(other), false);
  });

  void it('whenAny resolves at once when the channel has a handler', async () => {
    const registry = registryWith([() => {}]);
    assert.equal(await isPending(registry.whenAny('orders')), false);
  });

  void it('wakeAll resolves every waiter', async () => {
    const registry = new HandlerRegistry();
    const a = registry.whenAny('orders');
    const b = registry.whenAny('payments');
    assert.equal(await isPending(a), true);
    registry.wakeAll();
    assert.equal(await isPending(a), false);
    assert.equal(await isPending(b), false);
    assert.equal(registry.get('orders').length, 0);
  });
});

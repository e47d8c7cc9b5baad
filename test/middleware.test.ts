/**
 * Handler middleware (compose, callHandlers, handlerError, errorsOf) and the handling hooks turned
 * into middleware (hookMiddleware): chain order, filters that do not call next, next called twice,
 * payload replacement, handler failures as one HandlerError, and hooks that observe the outcome
 * without changing it. No Redis.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, HandlerError, HookError } from '../src/errors.js';
import { HandlerRegistry, type Handler, type MessageContext } from '../src/handlers.js';
import { hookMiddleware, type FailedHookEvent, type HandledHookEvent } from '../src/hooks.js';
import {
  callHandlers,
  compose,
  errorsOf,
  handlerError,
  type HandlingMessage,
  type Middleware,
} from '../src/middleware.js';

const context: MessageContext = Object.freeze({
  channel: 'orders',
  id: '1712345678901-0',
  group: 'orders:billing:cg',
  consumer: 'billing.host.1.deadbeef',
  service: 'billing',
  attempt: 2,
  source: 'channel',
  fields: Object.freeze({ traceparent: '00-abc' }),
  idempotencyKey: undefined,
});

function message(payload: unknown = { n: 1 }): HandlingMessage {
  return { name: 'order.created', payload, context };
}

/** A chain over the handlers of 'orders' in `registry`, as the pipeline builds it. */
function chainOver(
  registry: HandlerRegistry,
  middlewares: readonly Middleware[],
): (message: HandlingMessage) => Promise<void> {
  return compose(middlewares, (m) => callHandlers(registry.get('orders'), m));
}

function registryWith(...handlers: Handler[]): HandlerRegistry {
  const registry = new HandlerRegistry();
  for (const handler of handlers) registry.add('orders', handler, undefined);
  return registry;
}

/** Rejects with what `promise` rejects with, or fails when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected a rejection');
}

describe('compose', () => {
  it('with no middleware is the final step itself', () => {
    const final = (): Promise<void> => Promise.resolve();
    assert.equal(compose([], final), final);
  });

  it('runs the middlewares outermost first, each before and after the rest of the chain', async () => {
    const events: string[] = [];
    const mw =
      (label: string): Middleware =>
      async (_m, next) => {
        events.push(`${label} before`);
        await next();
        events.push(`${label} after`);
      };
    const run = compose([mw('a'), mw('b'), mw('c')], () => {
      events.push('final');
      return Promise.resolve();
    });
    await run(message());
    assert.deepEqual(events, ['a before', 'b before', 'c before', 'final', 'c after', 'b after', 'a after']);
  });

  it('a middleware that does not call next filters the message: handled, the handlers do not run', async () => {
    let ran = 0;
    let after = 0;
    const registry = registryWith(() => ran++);
    const run = chainOver(registry, [
      async (_m, next) => {
        await next();
        after++;
      },
      () => {}, // a filter: drops every message
    ]);
    await run(message()); // resolves: handled
    assert.equal(ran, 0);
    assert.equal(after, 1);
  });

  it('a synchronous middleware that returns next() works like an async one', async () => {
    let ran = 0;
    const run = chainOver(
      registryWith(() => ran++),
      [(_m, next) => next()],
    );
    await run(message());
    assert.equal(ran, 1);
  });

  it('next called twice: the second call rejects with a ConfigError naming the middleware', async () => {
    let ran = 0;
    let second: unknown;
    const run = chainOver(
      registryWith(() => ran++),
      [
        async (_m, next) => next(),
        async (_m, next) => {
          await next();
          second = await rejection(next());
        },
      ],
    );
    await run(message());
    assert.equal(ran, 1, 'the handlers ran once');
    assert.ok(second instanceof ConfigError, String(second));
    assert.equal(second.code, 'ERR_CONFIG');
    assert.match(second.message, /middleware #2 called next\(\) twice/);
  });

  it('next called twice and let through fails the chain with the ConfigError', async () => {
    const run = chainOver(
      registryWith(() => {}),
      [
        async (_m, next) => {
          await next();
          await next();
        },
      ],
    );
    const err = await rejection(run(message()));
    assert.ok(err instanceof ConfigError);
  });

  it('a replaced payload reaches the handlers (and the later middlewares)', async () => {
    const seen: unknown[] = [];
    const run = chainOver(
      registryWith((_n, payload) => {
        seen.push(['handler', payload]);
      }),
      [
        async (m, next) => {
          m.payload = { decrypted: (m.payload as { n: number }).n + 1 };
          await next();
        },
        async (m, next) => {
          seen.push(['mw', m.payload]);
          await next();
        },
      ],
    );
    await run(message({ n: 41 }));
    assert.deepEqual(seen, [
      ['mw', { decrypted: 42 }],
      ['handler', { decrypted: 42 }],
    ]);
  });

  it('the handlers get the name and context of the message', async () => {
    const seen: unknown[] = [];
    const run = chainOver(
      registryWith((name, _p, ctx) => {
        seen.push(name, ctx);
      }),
      [(_m, next) => next()],
    );
    await run(message());
    assert.deepEqual(seen, ['order.created', context]);
  });

  it('failing handlers make next() reject with one HandlerError holding every failure, named', async () => {
    const first = new Error('first broke');
    const second = new TypeError('second broke');
    let ranLast = false;
    let caught: unknown;
    const run = chainOver(
      registryWith(
        function billing() {
          throw first;
        },
        async function audit() {
          await Promise.resolve();
          throw second;
        },
        function last() {
          ranLast = true;
        },
      ),
      [
        async (_m, next) => {
          caught = await rejection(next());
          throw caught;
        },
      ],
    );
    const err = await rejection(run(message()));
    assert.equal(err, caught);
    assert.ok(err instanceof HandlerError, String(err));
    assert.equal(err.code, 'ERR_HANDLER');
    assert.deepEqual(err.errors, [first, second]);
    assert.equal(err.message, 'billing: first broke; audit: second broke');
    assert.equal(err.cause, first);
    assert.ok(ranLast, 'the other handlers still run');
  });

  it('a non-Error thrown by a handler is named in the message and kept as thrown', async () => {
    const run = chainOver(
      registryWith(function odd() {
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw 'just a string';
      }),
      [],
    );
    const err = await rejection(run(message()));
    assert.ok(err instanceof HandlerError);
    assert.deepEqual(err.errors, ['just a string']);
    assert.equal(err.message, 'odd: just a string');
  });

  it('a middleware that swallows the HandlerError makes the message handled', async () => {
    const thrown = new Error('x');
    let ran = 0;
    let swallowed: unknown;
    const run = chainOver(
      registryWith(() => {
        ran++;
        throw thrown;
      }),
      [
        async (_m, next) => {
          await next().catch((err: unknown) => (swallowed = err));
        },
      ],
    );
    await assert.doesNotReject(run(message()), 'the chain resolves: the message counts as handled');
    assert.equal(ran, 1, 'the handler ran once');
    assert.ok(swallowed instanceof HandlerError, `the middleware caught ${String(swallowed)}`);
    assert.deepEqual(swallowed.errors, [thrown]);
  });
});

describe('handlerError and errorsOf', () => {
  it('handlerError names each failing handler and keeps the first stack', () => {
    const a = new Error('a failed');
    const err = handlerError([
      { label: 'one', error: a },
      { label: 'two', error: 42 },
    ]);
    assert.ok(err instanceof HandlerError);
    assert.equal(err.message, 'one: a failed; two: non-error thrown: 42');
    assert.deepEqual(err.errors, [a, 42]);
    assert.equal(err.stack, a.stack);
  });

  it('errorsOf: the handler errors of a HandlerError, else the error itself', () => {
    const a = new Error('a');
    const b = new Error('b');
    assert.deepEqual(errorsOf(new HandlerError('x', [a, b])), [a, b]);
    const thrown = new ConfigError('a middleware threw');
    assert.deepEqual(errorsOf(thrown), [thrown]);
    assert.deepEqual(errorsOf('text'), ['text']);
  });
});

describe('hookMiddleware', () => {
  const never = (): boolean => false;
  const noReport = (err: unknown): void => assert.fail(`unexpected report: ${String(err)}`);

  it('gives no middleware without handling hooks', () => {
    assert.deepEqual(hookMiddleware({}, never, noReport), []);
    assert.deepEqual(
      hookMiddleware(
        {
          onPublish: () => {},
          aroundPublish: (_e, next) => next(),
          onDeadLetter: () => {},
          logFields: () => undefined,
        },
        never,
        noReport,
      ),
      [],
      'publish, dead-letter and log hooks are not middleware: handling stays synchronous',
    );
  });

  it('onHandled gets name, payload, context and durationMs after every handler succeeded', async () => {
    const handled: HandledHookEvent[] = [];
    const failed: FailedHookEvent[] = [];
    const mws = hookMiddleware({ onHandled: (e) => handled.push(e), onFailed: (e) => failed.push(e) }, never, noReport);
    assert.equal(mws.length, 1);
    const run = chainOver(
      registryWith(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }),
      mws,
    );
    await run(message({ n: 7 }));
    assert.equal(failed.length, 0);
    assert.equal(handled.length, 1);
    const event = handled[0]!;
    assert.equal(event.name, 'order.created');
    assert.deepEqual(event.payload, { n: 7 });
    assert.equal(event.context, context);
    assert.equal(typeof event.durationMs, 'number');
    assert.ok(event.durationMs >= 15, `durationMs ${event.durationMs}`);
  });

  it('onHandled sees the payload a later middleware replaced', async () => {
    const handled: HandledHookEvent[] = [];
    const mws = [
      ...hookMiddleware({ onHandled: (e) => handled.push(e) }, never, noReport),
      (m: HandlingMessage, next: () => Promise<void>) => {
        m.payload = 'replaced';
        return next();
      },
    ];
    await chainOver(
      registryWith(() => {}),
      mws,
    )(message());
    assert.equal(handled[0]?.payload, 'replaced');
  });

  it('onFailed gets the errors and willRetry from the given function (called with attempt and errors)', async () => {
    const failed: FailedHookEvent[] = [];
    const handled: HandledHookEvent[] = [];
    const asked: Array<[number, readonly unknown[]]> = [];
    const boom = new Error('boom');
    for (const answer of [true, false]) {
      const willRetry = (attempt: number, errors: readonly unknown[]): boolean => {
        asked.push([attempt, errors]);
        return answer;
      };
      const mws = hookMiddleware(
        { onHandled: (e) => handled.push(e), onFailed: (e) => failed.push(e) },
        willRetry,
        noReport,
      );
      const run = chainOver(
        registryWith(function broken() {
          throw boom;
        }),
        mws,
      );
      const err = await rejection(run(message()));
      assert.ok(err instanceof HandlerError, 'the failure goes on unchanged');
    }
    assert.equal(handled.length, 0);
    assert.deepEqual(
      failed.map((e) => [e.name, e.errors, e.willRetry, e.context.attempt]),
      [
        ['order.created', [boom], true, 2],
        ['order.created', [boom], false, 2],
      ],
    );
    assert.deepEqual(asked, [
      [2, [boom]],
      [2, [boom]],
    ]);
  });

  it('onFailed gets the error a middleware threw (not a HandlerError) as the one error', async () => {
    const failed: FailedHookEvent[] = [];
    const thrown = new Error('validation middleware refused it');
    const mws = [
      ...hookMiddleware({ onFailed: (e) => failed.push(e) }, never, noReport),
      () => {
        throw thrown;
      },
    ];
    const err = await rejection(
      chainOver(
        registryWith(() => {}),
        mws,
      )(message()),
    );
    assert.equal(err, thrown);
    assert.deepEqual(failed[0]?.errors, [thrown]);
  });

  it('a throwing onHandled hook is reported and the message stays handled', async () => {
    const reported: unknown[] = [];
    const hookError = new Error('hook broke');
    const mws = hookMiddleware(
      {
        onHandled: () => {
          throw hookError;
        },
      },
      never,
      (err) => reported.push(err),
    );
    await chainOver(
      registryWith(() => {}),
      mws,
    )(message());
    assert.equal(reported.length, 1);
    assertHookError(reported[0], 'onHandled', hookError);
  });

  it('a throwing onFailed hook is reported and the failure goes on unchanged', async () => {
    const reported: unknown[] = [];
    const hookError = new Error('hook broke');
    const boom = new Error('boom');
    const mws = hookMiddleware(
      {
        onFailed: () => {
          throw hookError;
        },
      },
      () => true,
      (err) => reported.push(err),
    );
    const err = await rejection(
      chainOver(
        registryWith(function h() {
          throw boom;
        }),
        mws,
      )(message()),
    );
    assert.ok(err instanceof HandlerError);
    assert.deepEqual(err.errors, [boom]);
    assert.equal(reported.length, 1);
    assertHookError(reported[0], 'onFailed', hookError);
  });

  it('aroundHandle wraps the handlers: before and after, with name, payload and context', async () => {
    const events: unknown[] = [];
    const mws = hookMiddleware(
      {
        aroundHandle: async (event, next) => {
          events.push(['before', event.name, event.payload, event.context.id]);
          await next();
          events.push('after');
        },
      },
      never,
      noReport,
    );
    assert.equal(mws.length, 1);
    await chainOver(
      registryWith(() => {
        events.push('handler');
      }),
      mws,
    )(message({ n: 3 }));
    assert.deepEqual(events, [['before', 'order.created', { n: 3 }, context.id], 'handler', 'after']);
  });

  it('aroundHandle that never calls next fails the message with a ConfigError; the handlers do not run', async () => {
    let ran = 0;
    const failed: FailedHookEvent[] = [];
    const mws = hookMiddleware(
      { aroundHandle: () => Promise.resolve(), onFailed: (e) => failed.push(e) },
      never,
      noReport,
    );
    assert.equal(mws.length, 1, 'one middleware per set of hooks');
    const err = await rejection(
      chainOver(
        registryWith(() => ran++),
        mws,
      )(message()),
    );
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, /aroundHandle hook did not call next\(\)/);
    assert.equal(ran, 0);
    assert.equal(failed.length, 1, 'onFailed (outermost) sees the failure');
    assert.deepEqual(failed[0]?.errors, [err]);
  });

  it('aroundHandle sees a handler failure through next() and the message fails with it', async () => {
    const boom = new Error('boom');
    let seen: unknown;
    const mws = hookMiddleware(
      {
        aroundHandle: async (_e, next) => {
          seen = await rejection(next());
          throw seen;
        },
      },
      never,
      noReport,
    );
    const err = await rejection(
      chainOver(
        registryWith(function h() {
          throw boom;
        }),
        mws,
      )(message()),
    );
    assert.equal(err, seen);
    assert.ok(err instanceof HandlerError);
  });
});

/** A HookError with the code ERR_HOOK, naming the hook, the exception as its cause. */
function assertHookError(err: unknown, hook: string, cause: Error): void {
  assert.ok(err instanceof HookError, `expected a HookError, got ${String(err)}`);
  assert.equal(err.code, 'ERR_HOOK');
  assert.equal(err.hook, hook);
  assert.equal(err.cause, cause);
  assert.match(err.message, new RegExp(`^the ${hook} hook threw: hook broke; `));
}

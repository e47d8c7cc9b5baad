/**
 * Pipeline: decoding and handling one entry without Redis (a real HandlerRegistry, a fake
 * `rawFields`). Covers the synchronous fast path, async handlers and middleware (a promise),
 * failure outcomes with the handler errors, undecodable entries and their DecodeError reason, the
 * invalid-UTF-8 check of entries whose text holds U+FFFD, legacy replay markers meant for another
 * group, and the context the handlers get.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RawEntry } from '../../src/connection/port.js';
import { LEGACY_REPLAY_GROUP_FIELD, Pipeline, type Outcome, type PipelineDeps } from '../../src/consume/pipeline.js';
import type { SourceKind } from '../../src/delivery/strategy.js';
import { ConfigError, DecodeError, HandlerError, type DecodeFailure } from '../../src/errors.js';
import { HandlerRegistry, type Handler, type MessageContext } from '../../src/handlers.js';
import type { Middleware } from '../../src/middleware.js';

const GROUP = 'orders:billing:cg';

/** A pipeline for channel 'orders' with `handlers`; records the calls of `rawFields`. */
function pipelineWith(
  handlers: Handler[],
  options: {
    middleware?: Middleware[];
    rawFields?: (source: SourceKind, id: string) => Promise<Buffer[] | null>;
    maxMessageBytes?: number;
  } = {},
): { pipeline: Pipeline; registry: HandlerRegistry; rawCalls: Array<[SourceKind, string]> } {
  const registry = new HandlerRegistry();
  for (const handler of handlers) registry.add('orders', handler, undefined);
  const rawCalls: Array<[SourceKind, string]> = [];
  const rawFields = options.rawFields ?? (() => Promise.resolve(null));
  const deps: PipelineDeps = {
    channel: 'orders',
    group: GROUP,
    consumer: 'billing.host.1.deadbeef',
    service: 'billing',
    maxMessageBytes: options.maxMessageBytes ?? 1024,
    registry,
    middleware: options.middleware ?? [],
    contract: { contract: undefined },
    rawFields: (source, id) => {
      rawCalls.push([source, id]);
      return rawFields(source, id);
    },
  };
  return { pipeline: new Pipeline(deps), registry, rawCalls };
}

function entry(id: string, ...fields: string[]): RawEntry {
  return [id, fields];
}

/** Runs an entry through prepare and run. */
function handle(
  pipeline: Pipeline,
  raw: RawEntry,
  source: SourceKind = 'channel',
  attempt = 1,
): Outcome | Promise<Outcome> {
  return pipeline.run(pipeline.prepare(raw), source, attempt);
}

function isPromise(value: unknown): value is Promise<unknown> {
  return value instanceof Promise;
}

/** The DecodeError of an undecodable outcome (fails otherwise). */
function decodeErrorOf(outcome: Outcome): DecodeError {
  assert.equal(outcome.kind, 'undecodable', JSON.stringify(outcome));
  if (outcome.kind !== 'undecodable') throw new Error('unreachable');
  assert.ok(outcome.error instanceof DecodeError);
  return outcome.error;
}

describe('Pipeline: the synchronous fast path', () => {
  it('sync handlers and no middleware: run returns { kind: handled } itself, not a promise', () => {
    const seen: unknown[] = [];
    const { pipeline } = pipelineWith([(name, payload) => seen.push([name, payload])]);
    const outcome = handle(pipeline, entry('1-0', 'name', 'order.created', 'body', '{"n":1}'));
    assert.ok(!isPromise(outcome), 'a synchronous outcome');
    assert.deepEqual(outcome, { kind: 'handled' });
    assert.deepEqual(seen, [['order.created', { n: 1 }]]);
  });

  it('a sync failing handler gives a synchronous failed outcome with the name and every error', () => {
    const a = new Error('a broke');
    const b = new Error('b broke');
    const { pipeline } = pipelineWith([
      function a1() {
        throw a;
      },
      () => {},
      function b1() {
        throw b;
      },
    ]);
    const outcome = handle(pipeline, entry('1-0', 'name', 'order.created', 'body', '{}'));
    assert.ok(!isPromise(outcome));
    assert.equal(outcome.kind, 'failed');
    if (outcome.kind !== 'failed') return;
    assert.equal(outcome.name, 'order.created');
    assert.deepEqual(outcome.errors, [a, b]);
    assert.ok(outcome.error instanceof HandlerError);
    assert.equal(outcome.error.message, 'a1: a broke; b1: b broke');
  });

  it('prepare decodes ahead: name, body and the extra fields', () => {
    const { pipeline } = pipelineWith([]);
    const p = pipeline.prepare(entry('1-0', 'name', 'n', 'body', '[1,2]', 'traceparent', 't'));
    assert.equal(p.suspect, false);
    assert.equal(p.failure, undefined);
    assert.deepEqual(p.decoded, { name: 'n', body: [1, 2], fields: { traceparent: 't' } });
  });

  it('uses the handlers registered after the pipeline was made', () => {
    const seen: string[] = [];
    const { pipeline, registry } = pipelineWith([]);
    assert.deepEqual(handle(pipeline, entry('1-0', 'name', 'n', 'body', '1')), { kind: 'handled' });
    registry.add('orders', (name) => seen.push(name), undefined);
    registry.add('elsewhere', () => seen.push('wrong channel'), undefined);
    assert.deepEqual(handle(pipeline, entry('2-0', 'name', 'n', 'body', '2')), { kind: 'handled' });
    assert.deepEqual(seen, ['n']);
  });
});

describe('Pipeline: async handling', () => {
  it('an async handler gives a promise of { kind: handled }', async () => {
    let done = false;
    const { pipeline } = pipelineWith([
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        done = true;
      },
    ]);
    const outcome = handle(pipeline, entry('1-0', 'name', 'n', 'body', '{}'));
    assert.ok(isPromise(outcome), 'a promise');
    assert.deepEqual(await outcome, { kind: 'handled' });
    assert.ok(done);
  });

  it('an async failing handler gives a failed outcome', async () => {
    const boom = new Error('boom');
    const { pipeline } = pipelineWith([
      async function slow() {
        await Promise.resolve();
        throw boom;
      },
    ]);
    const outcome = await handle(pipeline, entry('1-0', 'name', 'order.paid', 'body', '{}'));
    assert.equal(outcome.kind, 'failed');
    if (outcome.kind !== 'failed') return;
    assert.equal(outcome.name, 'order.paid');
    assert.deepEqual(outcome.errors, [boom]);
    assert.match(outcome.error.message, /^slow: boom$/);
  });

  it('with middleware, even sync handlers give a promise; the middleware sees the message', async () => {
    const seen: unknown[] = [];
    const { pipeline } = pipelineWith([(name, payload) => seen.push(['handler', name, payload])], {
      middleware: [
        async (m, next) => {
          seen.push(['mw', m.name, m.payload, m.context.id]);
          await next();
        },
      ],
    });
    const outcome = handle(pipeline, entry('1-0', 'name', 'n', 'body', '{"a":1}'));
    assert.ok(isPromise(outcome));
    assert.deepEqual(await outcome, { kind: 'handled' });
    assert.deepEqual(seen, [
      ['mw', 'n', { a: 1 }, '1-0'],
      ['handler', 'n', { a: 1 }],
    ]);
  });

  it('with middleware, a handler failure is a failed outcome carrying the handler errors', async () => {
    const boom = new Error('boom');
    const { pipeline } = pipelineWith(
      [
        function h() {
          throw boom;
        },
      ],
      { middleware: [(_m, next) => next()] },
    );
    const outcome = await handle(pipeline, entry('1-0', 'name', 'n', 'body', '{}'));
    assert.equal(outcome.kind, 'failed');
    if (outcome.kind !== 'failed') return;
    assert.equal(outcome.name, 'n');
    assert.deepEqual(outcome.errors, [boom]);
    assert.ok(outcome.error instanceof HandlerError);
  });

  it('with middleware, what a middleware throws is the one error of the failed outcome', async () => {
    let ran = 0;
    const { pipeline } = pipelineWith([() => ran++], {
      middleware: [
        () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          throw 'refused';
        },
      ],
    });
    const outcome = await handle(pipeline, entry('1-0', 'name', 'n', 'body', '{}'));
    assert.equal(outcome.kind, 'failed');
    if (outcome.kind !== 'failed') return;
    assert.deepEqual(outcome.errors, ['refused']);
    assert.ok(outcome.error instanceof Error);
    assert.match(outcome.error.message, /refused/);
    assert.equal(ran, 0);
  });

  it('a middleware calling next twice fails the message with a ConfigError', async () => {
    const { pipeline } = pipelineWith([() => {}], {
      middleware: [
        async (_m, next) => {
          await next();
          await next();
        },
      ],
    });
    const outcome = await handle(pipeline, entry('1-0', 'name', 'n', 'body', '{}'));
    assert.equal(outcome.kind, 'failed');
    if (outcome.kind !== 'failed') return;
    assert.ok(outcome.error instanceof ConfigError);
  });
});

describe('Pipeline: undecodable entries', () => {
  const cases: Array<[string, RawEntry, DecodeFailure, RegExp]> = [
    ['no body', entry('1-0', 'name', 'n'), 'missing-body', /body/],
    ['no name', entry('1-0', 'body', '{}'), 'missing-name', /name/],
    ['invalid JSON', entry('1-0', 'name', 'n', 'body', '{nope'), 'invalid-json', /JSON/],
    [
      'too large',
      entry('1-0', 'name', 'n', 'body', JSON.stringify('x'.repeat(400))),
      'too-large',
      /maxMessageBytes 100/,
    ],
  ];
  for (const [what, raw, reason, message] of cases) {
    it(`${what}: { kind: undecodable } with reason ${reason}; no handler runs, rawFields not asked`, async () => {
      let ran = 0;
      const { pipeline, rawCalls } = pipelineWith([() => ran++], { maxMessageBytes: 100 });
      const p = pipeline.prepare(raw);
      assert.equal(p.decoded, undefined);
      assert.equal(p.failure?.reason, reason);
      const outcome = pipeline.run(p, 'channel', 1);
      const error = decodeErrorOf(await outcome);
      assert.equal(error.reason, reason);
      assert.equal(error.code, 'ERR_DECODE');
      assert.match(error.message, message);
      assert.equal(ran, 0);
      assert.deepEqual(rawCalls, []);
    });
  }

  it('the same entries are undecodable with middleware too (the chain does not run)', async () => {
    let ran = 0;
    const { pipeline } = pipelineWith([() => {}], {
      middleware: [
        (_m, next) => {
          ran++;
          return next();
        },
      ],
    });
    assert.equal(decodeErrorOf(await handle(pipeline, entry('1-0', 'name', 'n'))).reason, 'missing-body');
    assert.equal(ran, 0);
  });
});

describe('Pipeline: text holding U+FFFD', () => {
  const bad = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"a":"\xff\xfe"}
  const text = bad.toString('utf8'); // {"a":"\uFFFD\uFFFD"}

  it('prepare marks it suspect; run asks rawFields for its bytes; invalid UTF-8 → invalid-utf8 naming the field', async () => {
    let ran = 0;
    const { pipeline, rawCalls } = pipelineWith([() => ran++], {
      rawFields: () => Promise.resolve([Buffer.from('name'), Buffer.from('n'), Buffer.from('body'), bad]),
    });
    const p = pipeline.prepare(entry('5-0', 'name', 'n', 'body', text));
    assert.equal(p.suspect, true);
    assert.equal(p.decoded, undefined);
    const outcome = pipeline.run(p, 'replay', 2);
    assert.ok(isPromise(outcome));
    const error = decodeErrorOf(await outcome);
    assert.equal(error.reason, 'invalid-utf8');
    assert.match(error.message, /field "body" is not valid UTF-8/);
    assert.deepEqual(rawCalls, [['replay', '5-0']]);
    assert.equal(ran, 0);
  });

  it('an invalid field name is named as such', async () => {
    const { pipeline } = pipelineWith([], {
      rawFields: () => Promise.resolve([Buffer.from('name'), Buffer.from('n'), Buffer.from([0xc3]), Buffer.from('x')]),
    });
    const error = decodeErrorOf(await handle(pipeline, entry('5-1', 'name', 'n', '\uFFFD', 'x', 'body', '1')));
    assert.equal(error.reason, 'invalid-utf8');
    assert.match(error.message, /a field name is not valid UTF-8/);
  });

  it('a real U+FFFD (valid UTF-8 bytes) is decoded and handled', async () => {
    const seen: unknown[] = [];
    const body = JSON.stringify({ a: '\uFFFD' });
    const { pipeline, rawCalls } = pipelineWith([(_n, payload) => seen.push(payload)], {
      rawFields: () => Promise.resolve(['name', 'n', 'body', body].map((s) => Buffer.from(s))),
    });
    const outcome = await handle(pipeline, entry('6-0', 'name', 'n', 'body', body));
    assert.deepEqual(outcome, { kind: 'handled' });
    assert.deepEqual(seen, [{ a: '\uFFFD' }]);
    assert.deepEqual(rawCalls, [['channel', '6-0']]);
  });

  it('an entry gone from the stream (rawFields null) is decoded from its text', async () => {
    const seen: unknown[] = [];
    const { pipeline } = pipelineWith([(_n, payload) => seen.push(payload)]);
    assert.deepEqual(await handle(pipeline, entry('6-1', 'name', 'n', 'body', '"\uFFFD"')), { kind: 'handled' });
    assert.deepEqual(seen, ['\uFFFD']);
  });

  it('valid bytes but an undecodable entry: the decode reason, not invalid-utf8', async () => {
    const { pipeline } = pipelineWith([], {
      rawFields: () => Promise.resolve(['name', '\uFFFD'].map((s) => Buffer.from(s))),
    });
    assert.equal(decodeErrorOf(await handle(pipeline, entry('6-2', 'name', '\uFFFD'))).reason, 'missing-body');
  });
});

describe('Pipeline: legacy replay markers', () => {
  it(`an entry whose ${LEGACY_REPLAY_GROUP_FIELD} names another group is not ours: no handler runs`, () => {
    let ran = 0;
    const { pipeline } = pipelineWith([() => ran++]);
    const outcome = handle(
      pipeline,
      entry('1-0', 'name', 'n', 'body', '{}', LEGACY_REPLAY_GROUP_FIELD, 'orders:shipping:cg'),
    );
    assert.deepEqual(outcome, { kind: 'not-ours' });
    assert.equal(ran, 0);
  });

  it('not ours with middleware too: the chain does not run', () => {
    let ran = 0;
    const { pipeline } = pipelineWith([() => {}], {
      middleware: [
        (_m, next) => {
          ran++;
          return next();
        },
      ],
    });
    const outcome = handle(pipeline, entry('1-0', 'name', 'n', 'body', '{}', LEGACY_REPLAY_GROUP_FIELD, 'other:cg'));
    assert.deepEqual(outcome, { kind: 'not-ours' });
    assert.equal(ran, 0);
  });

  it('a marker naming this group is handled, the marker in the context fields', () => {
    const fields: unknown[] = [];
    const { pipeline } = pipelineWith([(_n, _p, ctx) => fields.push(ctx.fields)]);
    const outcome = handle(pipeline, entry('1-0', 'name', 'n', 'body', '{}', LEGACY_REPLAY_GROUP_FIELD, GROUP));
    assert.deepEqual(outcome, { kind: 'handled' });
    assert.deepEqual(fields, [{ [LEGACY_REPLAY_GROUP_FIELD]: GROUP }]);
  });
});

describe('Pipeline: the context', () => {
  it('carries channel, id, group, consumer, service, attempt, source and the extra fields', async () => {
    const contexts: MessageContext[] = [];
    const { pipeline } = pipelineWith([(_n, _p, ctx) => contexts.push(ctx)]);
    await handle(
      pipeline,
      entry('1712345678901-3', 'name', 'n', 'body', '{}', 'traceparent', '00-abc', 'v', '2'),
      'channel',
      1,
    );
    await handle(pipeline, entry('9-1', 'name', 'n', 'body', '{}', 'rs-replay-of', '1-0'), 'replay', 3);
    assert.deepEqual(contexts, [
      {
        channel: 'orders',
        id: '1712345678901-3',
        group: GROUP,
        consumer: 'billing.host.1.deadbeef',
        service: 'billing',
        attempt: 1,
        source: 'channel',
        fields: { traceparent: '00-abc', v: '2' },
        idempotencyKey: undefined,
      },
      {
        channel: 'orders',
        id: '9-1',
        group: GROUP,
        consumer: 'billing.host.1.deadbeef',
        service: 'billing',
        attempt: 3,
        source: 'replay',
        fields: { 'rs-replay-of': '1-0' },
        idempotencyKey: undefined,
      },
    ]);
  });

  it('the middleware gets the same context as the handlers', async () => {
    const contexts: MessageContext[] = [];
    const { pipeline } = pipelineWith([(_n, _p, ctx) => contexts.push(ctx)], {
      middleware: [
        (m, next) => {
          contexts.push(m.context);
          return next();
        },
      ],
    });
    await handle(pipeline, entry('4-4', 'name', 'n', 'body', '{}'), 'replay', 2);
    assert.equal(contexts.length, 2);
    assert.deepEqual(contexts[0], contexts[1]);
    assert.equal(contexts[0]?.attempt, 2);
    assert.equal(contexts[0]?.source, 'replay');
  });
});

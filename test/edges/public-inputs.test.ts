/**
 * Every exported function and method, called as plain JavaScript would call it, with each wrong
 * kind of argument: `null`, `undefined`, a number, a string, an array with holes, and an object with
 * an unknown key. Each wrong call must throw (or reject with) one of the library's argument errors
 * (ConfigError, InvalidMessageError) that says which argument is wrong, at once, before anything is
 * sent to Redis: never a bare TypeError, a Redis parse error, a hang or a silent success.
 *
 * Table-driven: each row is a call, its valid arguments, and which wrong kinds each argument
 * accepts (`undefined` for an optional options object, a string for a channel name). The valid call
 * of each row runs first against a private redis-server, so the table cannot call a method with
 * arguments that are wrong for another reason. (startDashboard has its own tests in
 * test/dashboard/.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ConfigError,
  DeadLetterQueue,
  Inspector,
  InvalidMessageError,
  Message,
  RedisInstance,
  RedisStreamer,
  aclRules,
  deadLetterKey,
  groupName,
  instanceName,
  ledgerKey,
  serviceName,
  renderPrometheus,
  sanitize,
  silentLogger,
} from '../../src/index.js';
import { uniqueChannel, useRedis } from '../support/harness.js';

const redis = useRedis();

/** The wrong kinds of argument every call is tried with. */
const PROBES = {
  null: () => null,
  undefined: () => undefined,
  number: () => 42,
  string: () => 'str',
  // eslint-disable-next-line no-sparse-arrays
  holes: () => [, 'x'],
  unknownKey: () => ({ unknownKey: 1 }),
} as const;
type Probe = keyof typeof PROBES;

/**
 * One argument: a valid value, the wrong kinds it accepts all the same, and wrong values of its
 * own besides the common ones (named for the test's title).
 */
interface Arg {
  readonly valid: () => unknown;
  readonly accepts?: readonly Probe[];
  readonly bad?: Readonly<Record<string, () => unknown>>;
  /**
   * Whether its errors name the call (`subscribe(): ...`). Not yet those about where Redis is,
   * which the connection layer words. @default true
   */
  readonly named?: boolean;
}

/** One call of the public surface. */
interface Row {
  readonly call: string;
  readonly args: readonly Arg[];
  readonly run: (args: unknown[]) => unknown;
}

const CHANNEL = uniqueChannel('edges');
const channel: Arg = { valid: () => CHANNEL, accepts: ['string'] };
const name: Arg = { valid: () => 'svc', accepts: ['string'] };
const fn: Arg = { valid: () => () => {} };
const message: Arg = {
  valid: () => ({ name: 'n', body: { a: 1 } }),
  bad: {
    'a name with a lone surrogate': () => ({ name: 'order.\uD800', body: 1 }),
    'a body with undefined in an array': () => ({ name: 'n', body: [1, undefined, 3] }),
    'a Message without a string name': () => ({ name: 5, body: 1 }),
  },
};
const ids: Arg = {
  valid: () => ['1-1'],
  bad: {
    "'ALL'": () => 'ALL',
    'one id as a string': () => '1-1',
    'an array holding null': () => ['1-1', null],
    // eslint-disable-next-line no-sparse-arrays
    'a sparse array': () => ['1-1', , '1-2'],
    'a malformed id': () => ['1-1', 'abc'],
  },
};
const aborted = (): AbortSignal => AbortSignal.abort();
/** An optional options object, valid as `valid`. */
function options(valid: object = {}): Arg {
  return { valid: () => valid, accepts: ['undefined'] };
}

let streamer: RedisStreamer;
let inspector: Inspector;
const opened: Array<{ cleanup?: () => Promise<void>; close?: () => Promise<void> }> = [];

/** Calls a method of the object `target()` gives, as plain JavaScript would. */
function method<T extends object>(target: () => T, key: keyof T & string): (args: unknown[]) => unknown {
  return (args) => {
    const t = target();
    return Reflect.apply(t[key] as (...a: unknown[]) => unknown, t, args);
  };
}

/** Calls a constructor, keeping what it opens so that it is closed after the file. */
function construct(ctor: abstract new (...a: never[]) => object): (args: unknown[]) => unknown {
  return (args) => {
    const made = Reflect.construct(ctor, args) as { cleanup?: () => Promise<void>; close?: () => Promise<void> };
    opened.push(made);
    return made;
  };
}

/** Follows a tail until its first step (the wait is ended by the valid, aborted signal). */
function tail(args: unknown[]): Promise<unknown> {
  const iterator = method(() => inspector, 'tail')(args) as AsyncGenerator<unknown>;
  return iterator.next().finally(() => iterator.return(undefined));
}

/** Calls an exported function as plain JavaScript would. */
function plain(f: (...a: never[]) => unknown): (args: unknown[]) => unknown {
  return (args) => Reflect.apply(f, null, args) as unknown;
}

const streamerMethod = (key: keyof RedisStreamer & string): Row['run'] => method(() => streamer, key);
const queue = (): DeadLetterQueue => streamer.deadLetters(CHANNEL);
const inspectorMethod = (key: keyof Inspector & string): Row['run'] => method(() => inspector, key);

const ROWS: readonly Row[] = [
  {
    call: 'new RedisStreamer(redis, service, options)',
    args: [
      { valid: () => redis.url, named: false },
      name,
      {
        ...options({ logger: silentLogger }),
        bad: { 'middleware with a hole': () => ({ middleware: [, () => {}] }) }, // eslint-disable-line no-sparse-arrays
      },
    ],
    run: construct(RedisStreamer),
  },
  { call: 'subscribe(channel, options)', args: [channel, options()], run: streamerMethod('subscribe') },
  { call: 'unsubscribe(channel)', args: [channel], run: streamerMethod('unsubscribe') },
  {
    call: 'registerHandler(channel, handler, options)',
    args: [channel, fn, options()],
    run: streamerMethod('registerHandler'),
  },
  { call: 'use(middleware)', args: [fn], run: streamerMethod('use') },
  { call: 'setRetention(channel, options)', args: [channel, options()], run: streamerMethod('setRetention') },
  { call: 'registerChannel(channel, options)', args: [channel, options()], run: streamerMethod('registerChannel') },
  {
    call: 'sendMessage(channel, message, options)',
    args: [channel, message, { ...options(), bad: { 'timeoutMs without replicas': () => ({ timeoutMs: 500 }) } }],
    run: streamerMethod('sendMessage'),
  },
  {
    call: 'sendMessages(channel, messages, options)',
    args: [
      channel,
      {
        valid: () => [{ name: 'n', body: 1 }],
        bad: {
          'an array holding null': () => [{ name: 'n', body: 1 }, null],
          // eslint-disable-next-line no-sparse-arrays
          'a sparse array': () => [{ name: 'n', body: 1 }, , { name: 'n', body: 2 }],
        },
      },
      { ...options(), bad: { 'timeoutMs without replicas': () => ({ timeoutMs: 500 }) } },
    ],
    run: streamerMethod('sendMessages'),
  },
  {
    call: 'persistConsume(options)',
    args: [
      {
        valid: () => ({ signal: aborted() }),
        accepts: ['undefined'],
        bad: { 'count above maxCount': () => ({ count: 100, maxCount: 10 }) },
      },
    ],
    run: streamerMethod('persistConsume'),
  },
  { call: 'deadLetters(channel)', args: [channel], run: streamerMethod('deadLetters') },
  {
    call: 'on(event, listener)',
    args: [{ valid: () => 'error', bad: { 'a misspelled event': () => 'eror' } }, fn],
    run: streamerMethod('on'),
  },
  { call: 'once(event, listener)', args: [{ valid: () => 'error' }, fn], run: streamerMethod('once') },
  { call: 'off(event, listener)', args: [{ valid: () => 'error' }, fn], run: streamerMethod('off') },
  { call: 'listenerCount(event)', args: [{ valid: () => 'error' }], run: streamerMethod('listenerCount') },
  { call: 'deadLetters().list(options)', args: [options({ count: 1 })], run: method(queue, 'list') },
  { call: 'deadLetters().replay(ids)', args: [ids], run: method(queue, 'replay') },
  { call: 'deadLetters().purge(ids)', args: [ids], run: method(queue, 'purge') },
  {
    call: 'DeadLetterQueue.create(channel, port)',
    args: [channel, { valid: () => () => Promise.reject(new Error('unused')) }],
    run: (args) => DeadLetterQueue.create(...(args as Parameters<typeof DeadLetterQueue.create>)),
  },
  {
    call: 'new RedisInstance(urlOrOptions)',
    args: [{ ...options({ port: 6379 }), named: false }],
    run: construct(RedisInstance),
  },
  {
    call: 'new Message(name, body)',
    // Any body is a Message's body: what JSON cannot write is refused when it is published.
    args: [
      { valid: () => 'n', accepts: ['string'] },
      { valid: () => 1, accepts: Object.keys(PROBES) as Probe[] },
    ],
    run: construct(Message),
  },
  {
    call: 'aclRules(options)',
    args: [
      {
        valid: () => ({ role: 'monitor' }),
        bad: {
          "role 'Monitor'": () => ({ role: 'Monitor' }),
          "role 'readonly'": () => ({ role: 'readonly' }),
          "role 'admin'": () => ({ role: 'admin' }),
          'no role': () => ({ channels: ['orders'] }),
          'channels as a string': () => ({ role: 'consumer', channels: 'orders' }),
          'ledger for a publisher': () => ({ role: 'publisher', ledger: true }),
        },
      },
    ],
    run: plain(aclRules),
  },
  {
    call: 'sanitize(value, maxLen)',
    // dtpyfw's sanitize takes None (and '') as ''.
    args: [
      { valid: () => 'a b', accepts: ['null', 'undefined', 'string'] },
      { valid: () => 10, accepts: ['number'] },
    ],
    run: plain(sanitize),
  },
  { call: 'serviceName(consumerName)', args: [name], run: plain(serviceName) },
  { call: 'groupName(channel, listener)', args: [channel, name], run: plain(groupName) },
  {
    call: 'instanceName(listener, host, pid, suffix)',
    args: [
      name,
      { valid: () => 'host', accepts: ['undefined', 'string'] },
      { valid: () => 1, accepts: ['undefined', 'number'] },
      { valid: () => 'abcd0123', accepts: ['undefined', 'string'] },
    ],
    run: plain(instanceName),
  },
  { call: 'ledgerKey(channel, group)', args: [channel, name], run: plain(ledgerKey) },
  { call: 'deadLetterKey(channel)', args: [channel], run: plain(deadLetterKey) },
  {
    call: 'new Inspector(redis, options)',
    args: [
      { valid: () => redis.url, named: false },
      {
        ...options({ staleGroupMs: 1000 }),
        bad: { stale_group_ms: () => ({ stale_group_ms: 5 }), 'a negative staleGroupMs': () => ({ staleGroupMs: -1 }) },
      },
    ],
    run: construct(Inspector),
  },
  { call: 'inspector.channel(channel)', args: [channel], run: inspectorMethod('channel') },
  { call: 'inspector.deadLetters(channel)', args: [channel], run: inspectorMethod('deadLetters') },
  {
    call: 'inspector.replayDeadLetters(channel, ids, options)',
    args: [channel, ids, options({ batchSize: 10 })],
    run: inspectorMethod('replayDeadLetters'),
  },
  { call: 'inspector.lastEntryId(channel)', args: [channel], run: inspectorMethod('lastEntryId') },
  {
    call: 'inspector.tail(channel, options)',
    args: [channel, { valid: () => ({ signal: aborted() }), accepts: ['undefined'] }],
    run: tail,
  },
  {
    call: 'inspector.trim(channel, options)',
    args: [channel, { valid: () => ({ retentionMs: 86_400_000 }), bad: { 'no retentionMs': () => ({}) } }],
    run: inspectorMethod('trim'),
  },
  {
    call: 'inspector.previewTrim(channel, options)',
    args: [channel, { valid: () => ({ retentionMs: 86_400_000 }) }],
    run: inspectorMethod('previewTrim'),
  },
  {
    call: 'renderPrometheus(channels, options)',
    args: [
      {
        valid: () => [],
        bad: { 'an array holding null': () => [null], 'a channel without groups': () => [{ channel: 'x' }] },
      },
      options({ prefix: 'app' }),
    ],
    run: plain(renderPrometheus),
  },
];

/** Runs a call; its outcome, a throw and a rejection alike, within 5 s. */
async function outcome(run: () => unknown): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('still pending after 5 s')), 5000);
  });
  try {
    const value: unknown = await Promise.race([Promise.resolve().then(run), timeout]);
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error };
  } finally {
    clearTimeout(timer);
  }
}

describe('every public call refuses wrong arguments with an argument error', () => {
  before(async () => {
    streamer = redis.streamer('edges-svc');
    inspector = new Inspector(redis.url);
    await streamer.subscribe(CHANNEL);
  });
  after(async () => {
    await inspector.close();
    for (const o of opened) await (o.cleanup ?? o.close)?.call(o);
  });

  for (const row of ROWS) {
    describe(row.call, () => {
      it('accepts its valid arguments', async () => {
        const result = await outcome(() => row.run(row.args.map((a) => a.valid())));
        assert.ok(result.ok, `${row.call} failed with valid arguments: ${String(!result.ok && result.error)}`);
      });
      row.args.forEach((arg, position) => {
        const wrong: Array<[string, () => unknown]> = (Object.keys(PROBES) as Probe[])
          .filter((probe) => arg.accepts?.includes(probe) !== true)
          .map((probe) => [probe, PROBES[probe]]);
        wrong.push(...Object.entries(arg.bad ?? {}));
        for (const [label, value] of wrong) {
          it(`refuses ${label} as argument ${position + 1}`, async () => {
            const args = row.args.map((a, i) => (i === position ? value() : a.valid()));
            const result = await outcome(() => row.run(args));
            assert.ok(!result.ok, `${row.call} accepted ${label} as argument ${position + 1}`);
            const { error } = result;
            assert.ok(
              error instanceof ConfigError || error instanceof InvalidMessageError,
              `${row.call} with ${label} as argument ${position + 1}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
            );
            // The message names the call, or (a message's own name or body) the path of the value.
            const called = row.call.replace(/\([^()]*\)$/, '()');
            if (arg.named !== false && !/^message (name|body)\b/.test(error.message)) {
              assert.ok(error.message.startsWith(called), `"${error.message}" does not name ${called}`);
            }
          });
        }
      });
    });
  }
});

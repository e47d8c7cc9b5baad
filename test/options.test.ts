/**
 * Option defaults and validation: every bad value is a ConfigError whose message names the option.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { ConfigError } from '../src/errors.js';
import { defaultLogger, silentLogger } from '../src/logger.js';
import type { ChannelOptions, ConsumeOptions, RedisStreamerOptions, SubscribeOptions } from '../src/options.js';
import {
  checkChannel,
  checkConnectionOptions,
  checkListOptions,
  resolveChannelOptions,
  resolveConsumeOptions,
  resolveHandlerOptions,
  resolveStreamerOptions,
  resolveSubscribeOptions,
} from '../src/resolve-options.js';
import { integer } from '../src/rules.js';
import { checkOptions, describe as describeValue, suggest, type OptionsSpec } from '../src/validate.js';

/** Asserts a ConfigError whose message mentions `option`. */
function configError(option: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_CONFIG');
    assert.ok(err.message.includes(option), `message "${err.message}" does not name ${option}`);
    return true;
  };
}

/** Bad values for a number option: each label says why. (`null`, like `undefined`, means the default.) */
function badNumbers(options: { integer: boolean; zeroAllowed: boolean }): Array<[string, unknown]> {
  const bad: Array<[string, unknown]> = [
    ['negative', -1],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['a string', '100'],
  ];
  if (!options.zeroAllowed) bad.push(['zero', 0]);
  if (options.integer) bad.push(['non-integer', 1.5]);
  return bad;
}

void describe('resolveStreamerOptions', () => {
  void it('fills in the documented defaults', () => {
    const o = resolveStreamerOptions();
    assert.equal(o.dedupWindowMs, 604_800_000);
    assert.equal(o.delivery, 'at-most-once');
    assert.equal(o.dedupGuard, 'watermark');
    assert.equal(o.deadLetterMaxLen, 10_000);
    assert.equal(o.deadLetterRetentionMs, 604_800_000);
    assert.deepEqual(o.middleware, []);
    assert.equal(o.maxAttempts, 5);
    assert.equal(o.publishRetries, 10);
    assert.equal(o.publishDedupWindowMs, 24 * 3600 * 1000);
    assert.equal(o.retryBaseMs, 1000);
    assert.equal(o.retryMaxMs, 60_000);
    assert.equal(o.claimIdleMs, 30_000);
    assert.equal(o.claimIntervalMs, 1000);
    assert.equal(o.consumerIdleMs, 86_400_000);
    assert.equal(o.staleGroupMs, 86_400_000);
    assert.equal(o.maxMessageBytes, 1_048_576);
    assert.equal(o.shutdownTimeoutMs, 30_000);
    assert.equal(o.logger, defaultLogger);
    assert.deepEqual(o.hooks, {});
    assert.deepEqual(resolveStreamerOptions({}), o);
  });

  void it('keeps given values', () => {
    const hooks = {};
    const o = resolveStreamerOptions({
      dedupWindowMs: 1000,
      delivery: 'at-least-once',
      dedupGuard: 'ledger',
      maxAttempts: 1,
      retryBaseMs: 10,
      retryMaxMs: 10,
      claimIdleMs: 1500,
      claimIntervalMs: 2,
      consumerIdleMs: 3,
      staleGroupMs: 4,
      maxMessageBytes: 1,
      shutdownTimeoutMs: 5,
      logger: silentLogger,
      hooks,
    });
    assert.equal(o.dedupWindowMs, 1000);
    assert.equal(o.delivery, 'at-least-once');
    assert.equal(o.dedupGuard, 'ledger', 'the old name ledger: zset still works');
    assert.equal(o.maxAttempts, 1);
    assert.equal(o.retryBaseMs, 10);
    assert.equal(o.retryMaxMs, 10);
    assert.equal(o.claimIdleMs, 1500);
    assert.equal(o.claimIntervalMs, 2);
    assert.equal(o.consumerIdleMs, 3);
    assert.equal(o.staleGroupMs, 4);
    assert.equal(o.maxMessageBytes, 1);
    assert.equal(o.shutdownTimeoutMs, 5);
    assert.equal(o.logger, silentLogger);
    assert.equal(o.hooks, hooks);
  });

  const positiveOptions = [
    'dedupWindowMs',
    'retryBaseMs',
    'claimIdleMs',
    'claimIntervalMs',
    'consumerIdleMs',
    'staleGroupMs',
    'shutdownTimeoutMs',
  ] as const;
  for (const option of positiveOptions) {
    void it(`rejects a bad ${option}`, () => {
      for (const [why, value] of badNumbers({ integer: false, zeroAllowed: false })) {
        const options = { [option]: value } as unknown as RedisStreamerOptions;
        assert.throws(() => resolveStreamerOptions(options), configError(option), `${option} ${why}`);
      }
    });
  }

  void it('rejects a bad retryMaxMs', () => {
    for (const [why, value] of badNumbers({ integer: false, zeroAllowed: false })) {
      const options = { retryMaxMs: value } as unknown as RedisStreamerOptions;
      assert.throws(() => resolveStreamerOptions(options), configError('retryMaxMs'), why);
    }
  });

  for (const option of ['maxAttempts', 'maxMessageBytes'] as const) {
    void it(`rejects a bad ${option} (an integer >= 1)`, () => {
      for (const [why, value] of badNumbers({ integer: true, zeroAllowed: false })) {
        const options = { [option]: value } as unknown as RedisStreamerOptions;
        assert.throws(() => resolveStreamerOptions(options), configError(option), `${option} ${why}`);
      }
    });
  }

  void it('rejects a maxMessageBytes above 512 MiB (the largest string Redis takes by default)', () => {
    const max = 512 * 1024 * 1024;
    assert.equal(resolveStreamerOptions({ maxMessageBytes: max }).maxMessageBytes, max);
    assert.throws(() => resolveStreamerOptions({ maxMessageBytes: max + 1 }), configError('maxMessageBytes'));
  });

  void it('rejects a bad publishDedupWindowMs (an integer >= 1, at most 10 years)', () => {
    for (const [why, value] of [...badNumbers({ integer: true, zeroAllowed: false }), ['1e14', 1e14] as const]) {
      const options = { publishDedupWindowMs: value } as unknown as RedisStreamerOptions;
      assert.throws(() => resolveStreamerOptions(options), configError('publishDedupWindowMs'), why);
    }
    const tenYears = 10 * 365 * 24 * 3600 * 1000;
    assert.equal(resolveStreamerOptions({ publishDedupWindowMs: tenYears }).publishDedupWindowMs, tenYears);
  });

  void it('rejects an unknown delivery mode or ledger kind', () => {
    for (const delivery of ['exactly-once', 'AT-MOST-ONCE', '', 1]) {
      const options = { delivery } as unknown as RedisStreamerOptions;
      assert.throws(() => resolveStreamerOptions(options), configError('delivery'), String(delivery));
    }
    for (const ledger of ['set', 'HWM', '', 0]) {
      const options = { ledger } as unknown as RedisStreamerOptions;
      assert.throws(() => resolveStreamerOptions(options), configError('ledger'), String(ledger));
    }
  });

  void it('rejects retryMaxMs below retryBaseMs, naming both', () => {
    const check = (err: unknown): boolean =>
      configError('retryMaxMs')(err) && configError('retryBaseMs')(err) && /500/.test((err as Error).message);
    assert.throws(() => resolveStreamerOptions({ retryBaseMs: 1000, retryMaxMs: 500 }), check);
    // The default retryMaxMs (60000) is below a larger retryBaseMs.
    assert.throws(() => resolveStreamerOptions({ retryBaseMs: 120_000 }), configError('retryMaxMs'));
    assert.equal(resolveStreamerOptions({ retryBaseMs: 500, retryMaxMs: 500 }).retryMaxMs, 500);
  });
});

void describe('resolveConsumeOptions', () => {
  void it('fills in the documented defaults', () => {
    assert.deepEqual(resolveConsumeOptions(), {
      restMs: 100,
      blockMs: 5000,
      count: 32,
      maxCount: 1024,
      cleanupIntervalMs: 300_000,
      ledgerIntervalMs: 300_000,
    });
  });

  void it('keeps given values and allows restMs 0', () => {
    const o = resolveConsumeOptions({
      restMs: 0,
      blockMs: 1,
      count: 1,
      maxCount: 10,
      cleanupIntervalMs: 5,
      ledgerIntervalMs: 6,
    });
    assert.deepEqual(o, { restMs: 0, blockMs: 1, count: 1, maxCount: 10, cleanupIntervalMs: 5, ledgerIntervalMs: 6 });
  });

  void it('raises the default maxCount to count', () => {
    assert.equal(resolveConsumeOptions({ count: 2000 }).maxCount, 2000);
    assert.equal(resolveConsumeOptions({ count: 8, maxCount: 8 }).maxCount, 8);
  });

  void it('rejects a count above the maxCount given (it would be ignored)', () => {
    throwsConfig(
      () => resolveConsumeOptions({ count: 100, maxCount: 10 }),
      'persistConsume()',
      '`count` (100)',
      '`maxCount` (10)',
    );
  });

  void it('rejects a bad restMs (a number >= 0)', () => {
    for (const [why, value] of badNumbers({ integer: false, zeroAllowed: true })) {
      const options = { restMs: value } as unknown as ConsumeOptions;
      assert.throws(() => resolveConsumeOptions(options), configError('restMs'), why);
    }
  });

  for (const option of ['blockMs', 'count', 'maxCount'] as const) {
    void it(`rejects a bad ${option} (an integer >= 1)`, () => {
      for (const [why, value] of badNumbers({ integer: true, zeroAllowed: false })) {
        const options = { [option]: value } as unknown as ConsumeOptions;
        assert.throws(() => resolveConsumeOptions(options), configError(option), `${option} ${why}`);
      }
    });
  }

  for (const option of ['cleanupIntervalMs', 'ledgerIntervalMs'] as const) {
    void it(`rejects a bad ${option}`, () => {
      for (const [why, value] of badNumbers({ integer: false, zeroAllowed: false })) {
        const options = { [option]: value } as unknown as ConsumeOptions;
        assert.throws(() => resolveConsumeOptions(options), configError(option), `${option} ${why}`);
      }
    });
  }
});

void describe('resolveSubscribeOptions', () => {
  void it('fills in the documented defaults', () => {
    const o = resolveSubscribeOptions();
    assert.deepEqual(o, { startFromLatest: true, concurrency: 1 });
    assert.equal('orderingKey' in o, false);
  });

  void it('keeps given values', () => {
    const orderingKey = (payload: unknown): string => String(payload);
    const o = resolveSubscribeOptions({ startFromLatest: false, concurrency: 8, orderingKey });
    assert.equal(o.startFromLatest, false);
    assert.equal(o.concurrency, 8);
    assert.equal(o.orderingKey, orderingKey);
  });

  void it('rejects a bad concurrency (an integer >= 1)', () => {
    for (const [why, value] of badNumbers({ integer: true, zeroAllowed: false })) {
      const options = { concurrency: value } as unknown as SubscribeOptions;
      assert.throws(() => resolveSubscribeOptions(options), configError('concurrency'), why);
    }
  });

  void it('rejects an orderingKey that is not a function', () => {
    for (const orderingKey of ['id', 1, {}, null]) {
      const options = { orderingKey } as unknown as SubscribeOptions;
      assert.throws(() => resolveSubscribeOptions(options), configError('orderingKey'), inspect(orderingKey));
    }
  });
});

void describe('resolveChannelOptions', () => {
  void it('fills in the documented defaults', () => {
    assert.deepEqual(resolveChannelOptions(), { retentionMs: 86_400_000, maxLen: undefined });
  });

  void it('keeps given values', () => {
    assert.deepEqual(resolveChannelOptions({ retentionMs: 1000, maxLen: 50 }), { retentionMs: 1000, maxLen: 50 });
  });

  void it('rejects a bad retentionMs', () => {
    for (const [why, value] of badNumbers({ integer: false, zeroAllowed: false })) {
      const options = { retentionMs: value } as unknown as ChannelOptions;
      assert.throws(() => resolveChannelOptions(options), configError('retentionMs'), why);
    }
  });

  void it('rejects a bad maxLen (an integer >= 1)', () => {
    for (const [why, value] of badNumbers({ integer: true, zeroAllowed: false })) {
      const options = { maxLen: value } as unknown as ChannelOptions;
      assert.throws(() => resolveChannelOptions(options), configError('maxLen'), why);
    }
  });
});

void describe('checkChannel', () => {
  void it('returns a non-empty string unchanged', () => {
    assert.equal(checkChannel('orders', 'subscribe()'), 'orders');
    assert.equal(checkChannel(' ', 'subscribe()'), ' ');
    assert.equal(checkChannel('{app}.orders', 'subscribe()'), '{app}.orders');
  });

  void it('rejects the empty string and non-strings', () => {
    for (const channel of ['', undefined, null, 42, {}, ['orders'], Symbol.iterator]) {
      assert.throws(
        () => checkChannel(channel, 'subscribe()'),
        (err: unknown) =>
          err instanceof ConfigError && /^subscribe\(\): the channel \(first argument\)/.test(err.message),
        inspect(channel),
      );
    }
  });
});

void describe('null options', () => {
  void it('treat null like undefined: the default applies', () => {
    const options = { dedupWindowMs: null, delivery: null, maxAttempts: null } as unknown as RedisStreamerOptions;
    const o = resolveStreamerOptions(options);
    assert.equal(o.dedupWindowMs, 604_800_000);
    assert.equal(o.delivery, 'at-most-once');
    assert.equal(o.maxAttempts, 5);
    assert.equal(resolveConsumeOptions({ count: null } as unknown as ConsumeOptions).count, 32);
  });
});

describe('options passed to Redis or to timers', () => {
  it('must be whole numbers, and timers at most 2^31-1 ms', async () => {
    const { resolveStreamerOptions, resolveConsumeOptions } = await import('../src/resolve-options.js');
    const { ConfigError } = await import('../src/errors.js');
    assert.throws(() => resolveStreamerOptions({ dedupWindowMs: 1.5 }), ConfigError);
    assert.throws(() => resolveStreamerOptions({ claimIdleMs: 2 }), /claimIdleMs/);
    assert.throws(() => resolveStreamerOptions({ shutdownTimeoutMs: 2 ** 31 }), /at most/);
    assert.throws(() => resolveConsumeOptions({ cleanupIntervalMs: 2 ** 31 }), /at most/);
    assert.equal(resolveConsumeOptions({ cleanupIntervalMs: 2 ** 31 - 1 }).cleanupIntervalMs, 2 ** 31 - 1);
  });
});

/**
 * Asserts that `fn` throws a one-line ConfigError whose message contains every `part` (a string,
 * exactly, or a RegExp).
 */
function throwsConfig(fn: () => unknown, ...parts: Array<string | RegExp>): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${inspect(err)}`);
    assert.equal(err.code, 'ERR_CONFIG');
    assert.ok(!err.message.includes('\n'), `message "${err.message}" is not one line`);
    for (const part of parts) {
      const found = typeof part === 'string' ? err.message.includes(part) : part.test(err.message);
      assert.ok(found, `message "${err.message}" lacks ${String(part)}`);
    }
    return true;
  });
}

/** The message of the ConfigError `fn` throws. */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${inspect(err)}`);
    return err.message;
  }
  assert.fail('expected a ConfigError, nothing was thrown');
}

/** Each options-taking call, by the name its messages use. */
const calls: Array<{ call: string; check: (options: unknown) => unknown }> = [
  { call: 'new RedisStreamer()', check: (o) => resolveStreamerOptions(o as RedisStreamerOptions) },
  { call: 'subscribe()', check: (o) => resolveSubscribeOptions(o as SubscribeOptions) },
  { call: 'setRetention()', check: (o) => resolveChannelOptions(o as ChannelOptions) },
  { call: 'persistConsume()', check: (o) => resolveConsumeOptions(o as ConsumeOptions) },
  { call: 'registerHandler()', check: (o) => resolveHandlerOptions(o as never) },
  { call: 'new RedisInstance()', check: (o) => checkConnectionOptions(o as never) },
  { call: 'deadLetters().list()', check: (o) => checkListOptions(o as never) },
];

void describe('options arguments that are not objects', () => {
  const notObjects: unknown[] = [
    false,
    true,
    0,
    3_600_000,
    NaN,
    null,
    [],
    [{ blockMs: 5 }],
    () => ({}),
    Symbol('options'),
    10n,
    new Map([['blockMs', 5]]),
    new Date(0),
    Buffer.from('blockMs'),
    Promise.resolve({}),
    new AbortController().signal,
  ];
  for (const { call, check } of calls) {
    void it(`${call} rejects each, naming the call and showing an options object`, () => {
      for (const value of notObjects) {
        throwsConfig(() => check(value), call, 'takes', 'options object', 'such as {', '; got ');
      }
      if (call !== 'new RedisInstance()') throwsConfig(() => check('orders'), call, 'got "orders"');
    });

    void it(`${call} takes undefined and {} as all defaults`, () => {
      assert.deepEqual(check(undefined), check({}));
    });
  }

  void it('shows the options object the positional argument was meant as', () => {
    assert.equal(
      messageOf(() => resolveSubscribeOptions(false as never)),
      'subscribe() takes an options object as its second argument, such as { startFromLatest: false }; got false',
    );
    assert.equal(
      messageOf(() => resolveChannelOptions(3_600_000 as never)),
      'setRetention() takes an options object as its second argument, such as { retentionMs: 3600000 }; got 3600000',
    );
    assert.equal(
      messageOf(() => resolveStreamerOptions(86_400_000 as never)),
      'new RedisStreamer() takes an options object as its third argument, such as { dedupWindowMs: 86400000 }; got 86400000',
    );
    assert.equal(
      messageOf(() => resolveHandlerOptions('order.created' as never)),
      'registerHandler() takes an options object as its third argument, such as { name: "order.created" }; got "order.created"',
    );
    assert.equal(
      messageOf(() => checkConnectionOptions(6379 as never)),
      'new RedisInstance() takes a redis:// URL or an options object as its first argument, such as { port: 6379 }; got 6379',
    );
    throwsConfig(() => resolveSubscribeOptions(4 as never), 'such as { concurrency: 4 }; got 4');
    throwsConfig(() => checkListOptions(10 as never), 'such as { count: 10 }; got 10');
    throwsConfig(() => resolveConsumeOptions(new AbortController().signal as never), 'such as { signal }');
    // dtpyfw's persist_consume(0.1, 5.0): seconds, positionally.
    throwsConfig(() => resolveConsumeOptions(0.1 as never), 'persistConsume()', 'first argument', 'restMs', 'seconds');
  });

  void it('describes a value by its kind, never by its content', () => {
    throwsConfig(() => resolveConsumeOptions([1, 2] as never), 'got an array (length 2)');
    throwsConfig(() => resolveConsumeOptions(new Map() as never), 'got a Map');
    throwsConfig(() => resolveConsumeOptions((() => 1) as never), 'got a function');
    throwsConfig(() => resolveConsumeOptions('x'.repeat(100) as never), `got "${'x'.repeat(40)}…"`);
    assert.equal(describeValue({ password: 'hunter2' }), 'an object');
    assert.equal(describeValue(Object.create(null)), 'an object');
    assert.equal(describeValue(new (class Settings {})()), 'a Settings');
  });

  void it('accepts null as the whole argument only where the call says so', () => {
    const rules = { retries: integer(0) };
    const strict: OptionsSpec<{ retries?: number }> = { call: 'f()', argument: 'first', example: () => '{}', rules };
    throwsConfig(() => checkOptions(strict, null), 'f() takes an options object', 'got null');
    assert.deepEqual(checkOptions({ ...strict, nullIsDefault: true }, null), {});
    assert.deepEqual(checkOptions(strict, undefined), {});
  });
});

void describe('unknown options', () => {
  void it("name dtpyfw's snake_case options and say their unit where it differs", () => {
    const seconds = 'milliseconds, not seconds';
    assert.equal(
      messageOf(() => resolveConsumeOptions({ block_time: 5 } as never)),
      "persistConsume(): unknown option `block_time`; `block_time` is dtpyfw's name: use `blockMs` (milliseconds, not seconds)",
    );
    throwsConfig(() => resolveConsumeOptions({ rest_time: 0.1 } as never), '`rest_time`', 'use `restMs`', seconds);
    throwsConfig(
      () => resolveConsumeOptions({ cleanup_interval: 300 } as never),
      "`cleanup_interval` is dtpyfw's name: use `cleanupIntervalMs`",
      seconds,
    );
    const noUnit = [
      [() => resolveStreamerOptions({ dedup_window_ms: 1000 } as never), 'dedup_window_ms', 'dedupWindowMs'],
      [() => resolveSubscribeOptions({ start_from_latest: false } as never), 'start_from_latest', 'startFromLatest'],
      [() => resolveChannelOptions({ retention_ms: 1000 } as never), 'retention_ms', 'retentionMs'],
    ] as const;
    for (const [fn, theirs, ours] of noUnit) {
      const message = messageOf(fn);
      assert.ok(message.includes(`\`${theirs}\` is dtpyfw's name: use \`${ours}\``), message);
      assert.ok(!message.includes('seconds'), message);
    }
  });

  void it('suggest our name for any snake_case, kebab-case or other-case spelling of it', () => {
    throwsConfig(
      () => resolveChannelOptions({ max_len: 10 } as never),
      'unknown option `max_len`',
      'did you mean `maxLen`?',
    );
    throwsConfig(() => resolveChannelOptions({ maxlen: 10 } as never), 'did you mean `maxLen`?');
    throwsConfig(() => resolveStreamerOptions({ max_attempts: 3 } as never), 'did you mean `maxAttempts`?');
    throwsConfig(() => resolveConsumeOptions({ 'ledger-interval-ms': 5 } as never), 'did you mean `ledgerIntervalMs`?');
    throwsConfig(() => resolveConsumeOptions({ BLOCK_MS: 5 } as never), 'did you mean `blockMs`?');
  });

  void it('suggest() ignores case, `_` and `-` wherever they are, however many', () => {
    assert.equal(suggest('__MAX__LEN__', ['retentionMs', 'maxLen']), 'maxLen');
    assert.equal(suggest('on-dead-letter', ['onDeadLetter']), 'onDeadLetter');
    assert.equal(suggest('on-dead-letters-hook', ['onDeadLetter']), undefined);
  });

  void it('suggest the closest option by edit distance (at most 2)', () => {
    assert.equal(
      messageOf(() => resolveConsumeOptions({ blokMs: 5 } as never)),
      'persistConsume(): unknown option `blokMs`; did you mean `blockMs`?',
    );
    throwsConfig(() => resolveSubscribeOptions({ concurency: 2 } as never), 'did you mean `concurrency`?');
    throwsConfig(() => resolveSubscribeOptions({ startFromLastest: true } as never), 'did you mean `startFromLatest`?');
    throwsConfig(() => resolveChannelOptions({ retentonMs: 5 } as never), 'did you mean `retentionMs`?');
    assert.equal(suggest('hots', ['url', 'host', 'port']), 'host'); // a transposition counts 1
    assert.equal(suggest('lbokcMs', ['blockMs']), 'blockMs'); // two transpositions: distance 2
    assert.equal(suggest('bloatMs', ['blockMs']), 'blockMs'); // distance 2
    assert.equal(suggest('blxxxMs', ['blockMs']), undefined); // distance 3
    assert.equal(suggest('x', ['db']), undefined); // as long as the name itself: no suggestion
  });

  void it('list the options when nothing is close, and never show the value', () => {
    const message = messageOf(() => resolveSubscribeOptions({ group: 'hunter2-secret' } as never));
    assert.equal(
      message,
      'subscribe(): unknown option `group`; the options are startFromLatest, concurrency, orderingKey',
    );
    assert.ok(!message.includes('did you mean'));
    throwsConfig(() => checkListOptions({ reverse: true } as never), 'the options are count, start');
  });

  void it('point to the call an option belongs to', () => {
    throwsConfig(
      () => resolveSubscribeOptions({ retentionMs: 1000 } as never),
      '`retentionMs` is an option of setRetention(), not of subscribe()',
    );
    throwsConfig(
      () => resolveStreamerOptions({ blockMs: 1000 } as never),
      '`blockMs` is an option of persistConsume(), not of new RedisStreamer()',
    );
    throwsConfig(
      () => resolveStreamerOptions({ block_time: 5 } as never),
      "`block_time` is dtpyfw's name: use `blockMs` of persistConsume() (milliseconds, not seconds)",
    );
    throwsConfig(
      () => resolveConsumeOptions({ delivery: 'at-least-once' } as never),
      'an option of new RedisStreamer(), not of persistConsume()',
    );
  });

  void it('keep a strange key on one line', () => {
    throwsConfig(() => checkListOptions({ 'a\nb': 1 } as never), 'unknown option', '"a\\nb"');
  });

  void it('are rejected even alongside valid options', () => {
    throwsConfig(() => resolveConsumeOptions({ blockMs: 1000, cleanup_interval: 60 } as never), 'cleanup_interval');
    throwsConfig(() => resolveHandlerOptions({ name: 'a', filter: 'b' } as never), 'registerHandler()', '`filter`');
  });
});

void describe('options of the wrong type', () => {
  void it('name the call, the option, what is expected and the value', () => {
    assert.equal(
      messageOf(() => resolveSubscribeOptions({ startFromLatest: 'false' } as never)),
      'subscribe(): option `startFromLatest` must be a boolean (true or false); got "false"',
    );
    assert.equal(
      messageOf(() => resolveConsumeOptions({ blockMs: 0.5 })),
      'persistConsume(): option `blockMs` must be an integer >= 1 and at most 2147483647 (about 24.8 days); got 0.5',
    );
    throwsConfig(() => resolveChannelOptions({ maxLen: '100' } as never), 'setRetention()', '`maxLen`', 'got "100"');
  });

  void it('booleans: startFromLatest', () => {
    for (const value of [0, 1, 'true', null, {}]) {
      throwsConfig(() => resolveSubscribeOptions({ startFromLatest: value } as never), '`startFromLatest`', 'boolean');
    }
    assert.equal(resolveSubscribeOptions({ startFromLatest: false }).startFromLatest, false);
  });

  void it('functions: orderingKey', () => {
    throwsConfig(
      () => resolveSubscribeOptions({ orderingKey: 'orderId' } as never),
      'a function (payload, name) => key',
    );
  });

  void it('signal: an AbortSignal, or null for none', () => {
    for (const signal of ['abort', true, 1, {}, { aborted: false }, new AbortController()]) {
      throwsConfig(() => resolveConsumeOptions({ signal } as never), 'persistConsume()', '`signal`', 'an AbortSignal');
    }
    const defaults = resolveConsumeOptions();
    assert.deepEqual(resolveConsumeOptions({ signal: new AbortController().signal }), defaults);
    assert.deepEqual(resolveConsumeOptions({ signal: AbortSignal.abort() }), defaults);
    assert.deepEqual(resolveConsumeOptions({ signal: null } as never), defaults);
  });

  void it('logger: an object with debug, info, warn and error functions', () => {
    const noop = (): void => {};
    throwsConfig(
      () => resolveStreamerOptions({ logger: { debug: noop, info: noop, warn: noop } } as never),
      'new RedisStreamer()',
      '`logger`',
      'debug, info, warn and error',
      '`logger.error` is undefined',
    );
    for (const logger of ['stderr', true, [], noop]) {
      throwsConfig(() => resolveStreamerOptions({ logger } as never), '`logger`');
    }
    throwsConfig(
      () => resolveStreamerOptions({ logger: { ...silentLogger, warn: 'x' } } as never),
      '`logger.warn` is "x"',
    );
    // Methods on a prototype count, as in a pino logger.
    class ClassLogger {
      debug(): void {}
      info(): void {}
      warn(): void {}
      error(): void {}
    }
    const logger = new ClassLogger();
    assert.equal(resolveStreamerOptions({ logger }).logger, logger);
    assert.equal(resolveStreamerOptions({ logger: null } as never).logger, defaultLogger);
  });

  void it('hooks: an object whose known hooks are functions', () => {
    throwsConfig(
      () => resolveStreamerOptions({ hooks: { onPublish: 'trace' } } as never),
      '`hooks`',
      '`hooks.onPublish` is "trace"',
    );
    throwsConfig(
      () => resolveStreamerOptions({ hooks: { onDeadLetter: null } } as never),
      '`hooks.onDeadLetter` is null',
    );
    throwsConfig(
      () => resolveStreamerOptions({ hooks: { onHandle: () => {} } } as never),
      '`hooks.onHandle` is not one of them; did you mean `onHandled`?',
    );
    throwsConfig(
      () => resolveStreamerOptions({ hooks: { custom: () => {} } } as never),
      '`hooks.custom` is not one of them',
    );
    for (const hooks of [() => {}, 'onPublish', [], true]) {
      throwsConfig(
        () => resolveStreamerOptions({ hooks } as never),
        '`hooks`',
        'onPublish, aroundHandle, onHandled, onFailed, onDeadLetter',
      );
    }
    const hooks = {
      onPublish: () => {},
      aroundHandle: (_e: unknown, next: () => Promise<void>) => next(),
      onHandled: () => {},
      onFailed: () => {},
      onDeadLetter: () => {},
      onHandledExtra: undefined,
    };
    throwsConfig(() => resolveStreamerOptions({ hooks }), '`hooks.onHandledExtra`');
    const { onHandledExtra: _, ...valid } = hooks;
    assert.equal(resolveStreamerOptions({ hooks: valid }).hooks, valid);
    assert.deepEqual(resolveStreamerOptions({ hooks: { onPublish: undefined } } as never).hooks, {
      onPublish: undefined,
    });
    assert.deepEqual(resolveStreamerOptions({ hooks: null } as never).hooks, {});
  });

  void it('delivery and dedupGuard: list the allowed strings; the old ledger option is gone', () => {
    throwsConfig(
      () => resolveStreamerOptions({ delivery: 'exactly-once' } as never),
      "`delivery` must be one of 'at-most-once', 'at-least-once'; got \"exactly-once\"",
    );
    throwsConfig(
      () => resolveStreamerOptions({ dedupGuard: 'zset' } as never),
      "`dedupGuard` must be one of 'watermark', 'ledger'",
    );
    throwsConfig(() => resolveStreamerOptions({ ledger: 'zset' } as never), '`ledger`');
  });

  void it('registerHandler name: a non-empty string', () => {
    for (const name of ['', 1, null, ['order.created'], /order/]) {
      throwsConfig(() => resolveHandlerOptions({ name } as never), 'registerHandler()', '`name`', 'a non-empty string');
    }
    assert.deepEqual(resolveHandlerOptions({ name: 'order.created' }), { name: 'order.created' });
    assert.deepEqual(resolveHandlerOptions(), { name: undefined });
  });

  void it('deadLetters().list(): count an integer >= 1, start a stream id (or "-")', () => {
    for (const count of [0, -1, 1.5, '10', NaN]) {
      throwsConfig(() => checkListOptions({ count } as never), 'deadLetters().list()', '`count`', 'an integer >= 1');
    }
    // Redis would refuse these with "Invalid stream ID" (or take "+" as the end): refused at the call.
    for (const start of [0, '', ['-'], true, 'abc', '+', '((1-0', '1-0-0']) {
      throwsConfig(() => checkListOptions({ start } as never), '`start`', 'a stream entry id');
    }
    for (const start of ['-', '1', '1-0', '(1-0', '(1700000000000']) {
      assert.deepEqual(checkListOptions({ start }), { start });
    }
    assert.deepEqual(checkListOptions({ count: 10, start: '(1-0' }), { count: 10, start: '(1-0' });
    assert.deepEqual(checkListOptions({ count: null } as never), {});
  });
});

void describe('checkConnectionOptions (new RedisInstance)', () => {
  void it('takes cluster nodes and sentinels, and points the other names people use at them', () => {
    const nodes = [
      { host: 'a', port: 7000 },
      { host: 'b', port: 7000 },
    ];
    assert.deepEqual(checkConnectionOptions({ cluster: nodes }).cluster, nodes);
    throwsConfig(() => checkConnectionOptions({ startupNodes: nodes } as never), 'use `cluster`');
    throwsConfig(() => checkConnectionOptions({ nodes } as never), 'use `cluster`');
    throwsConfig(() => checkConnectionOptions({ host: 'a', cluster: true } as never), '`cluster`', 'a list of nodes');
    throwsConfig(() => checkConnectionOptions({ sentinels: [], primaryName: 'm' }), '`sentinels`');
    throwsConfig(() => checkConnectionOptions({ sentinels: nodes, name: 'm' } as never), 'use `primaryName`');
    assert.equal(
      messageOf(() => checkConnectionOptions({ sentinelPassword: 42 } as never)).includes('42'),
      false,
      'a password is never shown',
    );
  });

  void it('suggests host for hots, and other near names', () => {
    assert.equal(
      messageOf(() => checkConnectionOptions({ hots: 'redis.internal' } as never)),
      'new RedisInstance(): unknown option `hots`; did you mean `host`?',
    );
    throwsConfig(() => checkConnectionOptions({ prot: 6380 } as never), 'did you mean `port`?');
    throwsConfig(() => checkConnectionOptions({ connectTimeout: 500 } as never), 'did you mean `connectTimeoutMs`?');
    throwsConfig(() => checkConnectionOptions({ ssl: true } as never), 'use `tls`');
    throwsConfig(() => checkConnectionOptions({ redis_host: 'h' } as never), 'use `host`');
    throwsConfig(
      () => checkConnectionOptions({ socket_connect_timeout: 5 } as never),
      'use `connectTimeoutMs` (milliseconds, not seconds)',
    );
  });

  void it('never shows a password', () => {
    const secrets: unknown[] = [12_345_678, true, ['hunter2'], { value: 'hunter2' }, Buffer.from('hunter2')];
    for (const password of secrets) {
      const message = messageOf(() => checkConnectionOptions({ password } as never));
      assert.equal(message, 'new RedisInstance(): option `password` must be a string (the value is not shown)');
    }
    // Nor the value of a misspelled password key.
    const message = messageOf(() => checkConnectionOptions({ passwrd: 'hunter2' } as never));
    assert.ok(message.includes('did you mean `password`?'), message);
    assert.ok(!message.includes('hunter2'), message);
  });

  void it('rejects wrong types', () => {
    const bad: Array<[string, unknown, string]> = [
      ['port', '6379', 'an integer >= 1 and at most 65535'],
      ['port', 0, 'an integer >= 1 and at most 65535'],
      ['port', 65_536, 'an integer >= 1 and at most 65535'],
      ['db', -1, 'an integer >= 0'],
      ['db', '0', 'an integer >= 0'],
      ['host', '', 'a non-empty string'],
      ['host', ['a', 'b'], 'a non-empty string'],
      ['url', 6379, 'a non-empty string'],
      ['username', 5, 'a string'],
      ['tls', 'yes', 'true, false or an object'],
      ['tls', 1, 'true, false or an object'],
      ['connectTimeoutMs', 0, 'a number > 0'],
      ['connectTimeoutMs', Infinity, 'a number > 0'],
      ['connectTimeoutMs', '1000', 'a number > 0'],
    ];
    for (const [option, value, expected] of bad) {
      throwsConfig(
        () => checkConnectionOptions({ [option]: value }),
        'new RedisInstance()',
        `\`${option}\` must be ${expected}`,
      );
    }
  });

  void it('returns valid options as given, a URL as { url }, and leaves null ones out', () => {
    const full = {
      url: 'redis://localhost:6379/0',
      host: 'redis.internal',
      port: 6380,
      db: 2,
      username: 'app',
      password: 's3cret',
      tls: { servername: 'redis.internal' },
      connectTimeoutMs: 2500,
    };
    assert.deepEqual(checkConnectionOptions(full), full);
    assert.deepEqual(checkConnectionOptions({ tls: true, password: '' }), { tls: true, password: '' });
    assert.deepEqual(checkConnectionOptions('redis://h:1/2'), { url: 'redis://h:1/2' });
    assert.deepEqual(checkConnectionOptions({ host: null, port: null } as never), {});
    assert.deepEqual(checkConnectionOptions(), {});
  });
});

void describe('valid input resolves as before', () => {
  void it('null number options mean the default, maxLen null means no cap', () => {
    assert.deepEqual(resolveChannelOptions({ retentionMs: null, maxLen: null } as never), {
      retentionMs: 86_400_000,
      maxLen: undefined,
    });
    assert.equal(resolveStreamerOptions({ dedupGuard: null } as never).dedupGuard, 'watermark');
    assert.equal(resolveConsumeOptions({ restMs: null, blockMs: null } as never).blockMs, 5000);
    assert.equal(resolveSubscribeOptions({ concurrency: null } as never).concurrency, 1);
  });

  void it('accepts an options object without a prototype, or a class instance', () => {
    const bare = Object.assign(Object.create(null) as object, { blockMs: 250, count: 4 });
    assert.equal(resolveConsumeOptions(bare).blockMs, 250);
    class Settings {
      retentionMs = 1000;
    }
    assert.deepEqual(resolveChannelOptions(new Settings()), { retentionMs: 1000, maxLen: undefined });
  });

  void it('ignores an explicit undefined, like a missing option', () => {
    assert.deepEqual(
      resolveSubscribeOptions({ startFromLatest: undefined, concurrency: undefined } as never),
      resolveSubscribeOptions(),
    );
  });
});

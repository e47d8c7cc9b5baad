/**
 * Option defaults and validation: every bad value is a ConfigError whose message names the option.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { ConfigError } from '../src/errors.js';
import { defaultLogger, silentLogger } from '../src/logger.js';
import {
  checkChannel,
  resolveChannelOptions,
  resolveConsumeOptions,
  resolveStreamerOptions,
  resolveSubscribeOptions,
  type ChannelOptions,
  type ConsumeOptions,
  type RedisStreamerOptions,
  type SubscribeOptions,
} from '../src/options.js';

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
    assert.equal(o.ledger, 'hwm');
    assert.equal(o.maxAttempts, 5);
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
      ledger: 'zset',
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
    assert.equal(o.ledger, 'zset');
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

  void it('raises maxCount to count', () => {
    assert.equal(resolveConsumeOptions({ count: 2000 }).maxCount, 2000);
    assert.equal(resolveConsumeOptions({ count: 64, maxCount: 8 }).maxCount, 64);
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
    assert.equal(checkChannel('orders'), 'orders');
    assert.equal(checkChannel(' '), ' ');
    assert.equal(checkChannel('{app}.orders'), '{app}.orders');
  });

  void it('rejects the empty string and non-strings', () => {
    for (const channel of ['', undefined, null, 42, {}, ['orders'], Symbol.iterator]) {
      assert.throws(
        () => checkChannel(channel),
        (err: unknown) => err instanceof ConfigError && /channel/.test(err.message),
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
    const { resolveStreamerOptions, resolveConsumeOptions } = await import('../src/options.js');
    const { ConfigError } = await import('../src/errors.js');
    assert.throws(() => resolveStreamerOptions({ dedupWindowMs: 1.5 }), ConfigError);
    assert.throws(() => resolveStreamerOptions({ claimIdleMs: 2 }), /claimIdleMs/);
    assert.throws(() => resolveStreamerOptions({ shutdownTimeoutMs: 2 ** 31 }), /at most/);
    assert.throws(() => resolveConsumeOptions({ cleanupIntervalMs: 2 ** 31 }), /at most/);
    assert.equal(resolveConsumeOptions({ cleanupIntervalMs: 2 ** 31 - 1 }).cleanupIntervalMs, 2 ** 31 - 1);
  });
});

/**
 * The operator's tools check their options as RedisStreamer does: an unknown key, a wrong type or an
 * unknown role is a ConfigError naming the option, with a suggestion. A security-relevant option
 * never falls back to the permissive choice: aclRules without a known role gives no rules at all,
 * never a consumer's write rights. No Redis: the checks run before anything is opened.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClosedError, ConfigError, Inspector, aclRules, renderPrometheus } from '../../src/index.js';
import { recordingLogger } from '../support/recording-logger.js';

/** Asserts a ConfigError (ERR_CONFIG) whose message holds each part. */
function configError(...parts: string[]): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_CONFIG');
    for (const part of parts) assert.ok(err.message.includes(part), `"${err.message}" lacks ${part}`);
    return true;
  };
}

/** Nothing listens there: a check that let a call through would fail on the connection instead. */
const NOWHERE = 'redis://127.0.0.1:1';

describe('new Inspector(redis, options)', () => {
  it('refuses dtpyfw-style and misspelled keys, suggesting the option', () => {
    assert.throws(
      () => new Inspector(NOWHERE, { stale_group_ms: 5 } as never),
      configError('new Inspector()', 'unknown option `stale_group_ms`', 'did you mean `staleGroupMs`?'),
    );
    assert.throws(
      () => new Inspector(NOWHERE, { staleGroupMS: 5 } as never),
      configError('did you mean `staleGroupMs`?'),
    );
  });

  it('refuses a staleGroupMs that is not an integer >= 1, and a logger without its methods', () => {
    for (const value of [-1, 0, 1.5, '1000', NaN]) {
      assert.throws(
        () => new Inspector(NOWHERE, { staleGroupMs: value as number }),
        configError('new Inspector()', 'option `staleGroupMs` must be an integer >= 1'),
        String(value),
      );
    }
    assert.throws(
      () => new Inspector(NOWHERE, { logger: { warn: () => {} } as never }),
      configError('option `logger`', '`logger.debug` is undefined'),
    );
  });

  it('takes the options it knows', async () => {
    const logger = recordingLogger();
    let inspector: Inspector | undefined;
    assert.doesNotThrow(() => (inspector = new Inspector(NOWHERE, { staleGroupMs: 1000, logger })));
    assert.ok(inspector instanceof Inspector);
    await inspector.close();
    assert.deepEqual(logger.messages('warn'), [], 'nothing to warn about');
  });
});

describe('inspector calls check their options before anything is sent', () => {
  const inspector = new Inspector(NOWHERE);

  it('trim and previewTrim need an options object with retentionMs', async () => {
    await assert.rejects(
      inspector.trim('orders', undefined as never),
      configError('inspector.trim() takes an options object', 'retentionMs'),
    );
    await assert.rejects(inspector.trim('orders', {} as never), configError('option `retentionMs` is required'));
    await assert.rejects(
      inspector.previewTrim('orders', { retentionMs: 1000, countlimit: 5 } as never),
      configError('unknown option `countlimit`', 'did you mean `countLimit`?'),
    );
  });

  it('tail refuses at the call, not at the first step', () => {
    assert.throws(
      () => inspector.tail('orders', { from_start: true } as never),
      configError('inspector.tail()', 'did you mean `fromStart`?'),
    );
    assert.throws(() => inspector.tail('orders', { after: 'latest' }), configError('option `after`'));
  });

  it('replayDeadLetters refuses a misspelled option and ids that are not ids', async () => {
    await assert.rejects(
      inspector.replayDeadLetters('orders', 'all', { batch_size: 10 } as never),
      configError('inspector.replayDeadLetters()', 'did you mean `batchSize`?'),
    );
    await assert.rejects(inspector.replayDeadLetters('orders', 'ALL' as never), configError("did you mean 'all'?"));
  });

  it('closes, and refuses calls once closed', async () => {
    await inspector.close();
    await assert.rejects(inspector.channels(), (err: unknown) => err instanceof ClosedError);
  });
});

describe('aclRules(options)', () => {
  const WRITES = ['+xadd', '+xdel', '+xtrim', '+del', '+set', '+hset', '+xack', '+xgroup|create'];

  it('refuses a role it does not know, suggesting the right one, and never returns write rights for it', () => {
    const cases: Array<[unknown, string]> = [
      ['Monitor', "did you mean 'monitor'?"],
      ['MONITOR', "did you mean 'monitor'?"],
      ['monitr', "did you mean 'monitor'?"],
      ['readonly', "the read-only role is 'monitor'"],
      ['read-only', "the read-only role is 'monitor'"],
      ['admin', 'there is no such role'],
      ['producer', "'publisher'"],
      [42, 'got 42'],
    ];
    for (const [role, hint] of cases) {
      assert.throws(
        () => aclRules({ role: role as never }),
        configError('aclRules()', "option `role` must be one of 'consumer', 'publisher', 'monitor'", hint),
        String(role),
      );
    }
  });

  it('refuses a missing role: there is no default role', () => {
    for (const options of [undefined, null, {}, { role: undefined }, { role: null }, { channels: ['orders'] }]) {
      assert.throws(() => aclRules(options as never), configError('aclRules()', 'role'), JSON.stringify(options));
    }
  });

  it('refuses channels that are not an array of names, and unknown keys', () => {
    assert.throws(
      () => aclRules({ role: 'consumer', channels: 'orders' as never }),
      configError('option `channels` must be a non-empty array of channel names', 'did you mean ["orders"]?'),
    );
    assert.throws(() => aclRules({ role: 'consumer', channels: [] }), configError('option `channels`'));
    assert.throws(() => aclRules({ role: 'consumer', channels: ['orders', ''] }), configError('got "" at [1]'));
    assert.throws(
      () => aclRules({ role: 'consumer', chanels: ['orders'] } as never),
      configError('unknown option `chanels`', 'did you mean `channels`?'),
    );
  });

  it('refuses an option the role does not use (it would be ignored)', () => {
    assert.throws(
      () => aclRules({ role: 'publisher', ledger: true }),
      configError('`ledger` is for the consumer role'),
    );
    assert.throws(() => aclRules({ role: 'monitor', ledger: true }), configError('`ledger` is for the consumer role'));
    assert.throws(() => aclRules({ role: 'monitor', waitForReplicas: true }), configError('`waitForReplicas`'));
  });

  it('gives the monitor read commands only, and read-only key access', () => {
    const rules = aclRules({ role: 'monitor', channels: ['orders'] });
    for (const write of WRITES) assert.ok(!rules.includes(write), `monitor has ${write}`);
    assert.deepEqual(
      rules.filter((r) => r.includes('~')),
      ['%R~orders', '%R~{orders}:*'],
    );
  });

  it('gives a consumer that waits for replicas WAIT too', () => {
    assert.ok(aclRules({ role: 'consumer', waitForReplicas: true }).includes('+wait'));
    assert.ok(!aclRules({ role: 'consumer' }).includes('+wait'));
  });
});

describe('renderPrometheus(channels, options)', () => {
  it('refuses a misspelled option and a prefix that is not a metric name', () => {
    assert.throws(
      () => renderPrometheus([], { Prefix: 'app' } as never),
      configError('renderPrometheus()', 'did you mean `prefix`?'),
    );
    assert.throws(
      () => renderPrometheus([], { prefix: 'my-app' }),
      configError('option `prefix` must be a metric name', 'got "my-app", which is not a valid metric name'),
    );
  });
});

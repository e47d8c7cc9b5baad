/**
 * checkMessage: the public check a publish runs, without Redis; what it returns is what a publish
 * writes (the same encoder). A unit test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkMessage, ConfigError, InvalidMessageError, Message, MessageTooLargeError } from '../../src/index.js';
import { encodeMessage } from '../../src/message.js';

void describe('checkMessage', () => {
  void it('returns the name and the body as the JSON text a publish writes', () => {
    const when = new Date(Date.UTC(2024, 0, 2));
    const message = new Message('order.created', { id: 'A-1', at: when, total: NaN, tags: ['é', Infinity] });
    const checked = checkMessage(message);
    assert.deepEqual(checked, {
      name: 'order.created',
      body: '{"id":"A-1","at":"2024-01-02T00:00:00.000Z","total":NaN,"tags":["é",Infinity]}',
      idempotencyKey: undefined,
    });
    assert.deepEqual(encodeMessage(message, 1 << 20), ['name', checked.name, 'body', checked.body]);
  });

  void it('refuses what sendMessage refuses, naming the path', () => {
    assert.throws(
      () => checkMessage({ name: 'x', body: { items: [1, new Map()] } }),
      (err) => err instanceof InvalidMessageError && /body\.items\[1\] is a Map/.test(err.message),
    );
    assert.throws(() => checkMessage({ name: 7, body: {} } as never), InvalidMessageError);
    assert.throws(() => checkMessage({ name: 'x', body: 1n }), InvalidMessageError);
    assert.throws(() => checkMessage(null as never), InvalidMessageError);
  });

  void it('applies maxMessageBytes (name plus body, UTF-8 bytes)', () => {
    assert.equal(checkMessage({ name: 'ab', body: 'é' }, { maxMessageBytes: 6 }).body, '"é"');
    assert.throws(() => checkMessage({ name: 'ab', body: 'é' }, { maxMessageBytes: 5 }), MessageTooLargeError);
    assert.throws(() => checkMessage({ name: 'x', body: 'y'.repeat(1 << 20) }), MessageTooLargeError);
  });

  void it('checks the idempotency key as sendMessage does', () => {
    assert.equal(checkMessage({ name: 'x', body: 1 }, { idempotencyKey: 'k-1' }).idempotencyKey, 'k-1');
    const keyed = { name: 'x', body: 1, idempotencyKey: 'own' };
    assert.equal(checkMessage(keyed).idempotencyKey, 'own');
    assert.throws(() => checkMessage(keyed, { idempotencyKey: 'other' }), InvalidMessageError);
    assert.throws(() => checkMessage({ name: 'x', body: 1 }, { idempotencyKey: '' }), InvalidMessageError);
    assert.throws(() => checkMessage({ name: 'x', body: 1 }, { idempotencyKey: 'k'.repeat(513) }), InvalidMessageError);
    assert.throws(() => checkMessage({ name: 'x', body: 1 }, { idempotencyKey: '\uD800' }), InvalidMessageError);
  });

  void it('refuses bad options with a ConfigError naming the option', () => {
    assert.throws(
      () => checkMessage({ name: 'x', body: 1 }, { maxMessageBytes: 0 }),
      (err) => err instanceof ConfigError && /maxMessageBytes/.test(err.message),
    );
    assert.throws(
      () => checkMessage({ name: 'x', body: 1 }, { maxMessageBytes: 512 * 1024 * 1024 + 1 }),
      (err) => err instanceof ConfigError && /at most 536870912/.test(err.message),
    );
    assert.equal(checkMessage({ name: 'x', body: 1 }, { maxMessageBytes: 512 * 1024 * 1024 }).body, '1');
    assert.throws(
      () => checkMessage({ name: 'x', body: 1 }, { channel: '' }),
      (err) => err instanceof ConfigError && /option `channel` must be a non-empty string/.test(err.message),
    );
    assert.throws(() => checkMessage({ name: 'x', body: 1 }, 5 as never), ConfigError);
    assert.throws(
      () => checkMessage({ name: 'x', body: 1 }, { maxBytes: 10 } as never),
      (err) => err instanceof ConfigError && /unknown option `maxBytes`/.test(err.message),
    );
  });
});

/**
 * The reply checkers: those of script replies (src/scripts/reply.ts: str, int, orNull, list,
 * tuple, entry) and those of stream commands at the client boundary (src/connection/replies.ts:
 * isEntries, entriesOfStreamReply, stringReply). Good shapes pass through typed; bad ones throw an
 * UnexpectedReplyError (code ERR_REPLY) whose message says what was expected. No Redis.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { entriesOfStreamReply, isEntries, stringReply } from '../../src/connection/replies.js';
import { UnexpectedReplyError } from '../../src/errors.js';
import { entry, int, list, orNull, str, tuple } from '../../src/scripts/reply.js';

/** Matches an UnexpectedReplyError with code ERR_REPLY whose message matches `message`. */
function replyError(message: RegExp): (err: unknown) => true {
  return (err) => {
    assert.ok(err instanceof UnexpectedReplyError, `not an UnexpectedReplyError: ${String(err)}`);
    assert.equal(err.code, 'ERR_REPLY');
    assert.equal(err.name, 'UnexpectedReplyError');
    assert.match(err.message, message);
    return true;
  };
}

describe('script reply checks', () => {
  it('str: a string passes; anything else names "a string" and shows the value', () => {
    assert.equal(str('ok', 'x'), 'ok');
    assert.equal(str('', 'x'), '');
    assert.throws(() => str(5, 'reclaim'), replyError(/^reclaim: expected a string, got 5$/));
    assert.throws(() => str(null, 'reclaim'), replyError(/^reclaim: expected a string, got null$/));
    assert.throws(() => str(['a'], 'r'), replyError(/^r: expected a string, got \["a"\]$/));
  });

  it('int: an integer number or integer string passes; others name "an integer"', () => {
    assert.equal(int(3, 'x'), 3);
    assert.equal(int(-2, 'x'), -2);
    assert.equal(int('42', 'x'), 42);
    assert.equal(int('-7', 'x'), -7);
    for (const bad of [1.5, '1.5', 'abc', '', ' 1', null, [], NaN]) {
      assert.throws(() => int(bad, 'count'), replyError(/^count: expected an integer, got /), JSON.stringify(bad));
    }
  });

  it('orNull: null passes as null, else the inner check applies', () => {
    const check = orNull(int);
    assert.equal(check(null, 'x'), null);
    assert.equal(check('9', 'x'), 9);
    assert.throws(() => check('no', 'first'), replyError(/^first: expected an integer, got "no"$/));
    assert.throws(() => orNull(str)(undefined, 'u'), replyError(/^u: expected a string, got undefined$/));
  });

  it('list: an array of items that all pass; a bad item is named by its index', () => {
    assert.deepEqual(list(str)([], 'ids'), []);
    assert.deepEqual(list(str)(['a', 'b'], 'ids'), ['a', 'b']);
    assert.deepEqual(list(int)(['1', 2], 'ns'), [1, 2]);
    assert.throws(() => list(str)('a', 'ids'), replyError(/^ids: expected an array, got "a"$/));
    assert.throws(() => list(str)(['a', 3], 'ids'), replyError(/^ids\[1\]: expected a string, got 3$/));
  });

  it('tuple: each position checked; too short names the length expected; extra items ignored', () => {
    const check = tuple<[string, number, string | null]>(str, int, orNull(str));
    assert.deepEqual(check(['a', '1', null], 'stats'), ['a', 1, null]);
    assert.deepEqual(check(['a', 1, 'b', 'extra'], 'stats'), ['a', 1, 'b']);
    assert.throws(() => check(['a', 1], 'stats'), replyError(/^stats: expected an array of 3, got \["a",1\]$/));
    assert.throws(() => check('x', 'stats'), replyError(/^stats: expected an array of 3/));
    assert.throws(() => check(['a', 'x', null], 'stats'), replyError(/^stats\[1\]: expected an integer, got "x"$/));
  });

  it('entry: [id, fields] passes; a bad entry, id or field is named', () => {
    assert.deepEqual(entry(['1-0', ['name', 'n', 'body', '{}']], 'e'), ['1-0', ['name', 'n', 'body', '{}']]);
    assert.deepEqual(entry(['1-0', []], 'e'), ['1-0', []]);
    assert.throws(() => entry(['1-0'], 'e'), replyError(/^e: expected a stream entry \[id, fields\], got \["1-0"\]$/));
    assert.throws(() => entry(null, 'e'), replyError(/^e: expected a stream entry \[id, fields\]/));
    assert.throws(() => entry([1, []], 'e'), replyError(/^e id: expected a string, got 1$/));
    assert.throws(() => entry(['1-0', 'name'], 'e'), replyError(/^e fields: expected an array, got "name"$/));
    assert.throws(() => entry(['1-0', ['name', 2]], 'e'), replyError(/^e fields\[1\]: expected a string, got 2$/));
  });

  it('shows a long value cut to 80 characters, and a value JSON cannot write by its type', () => {
    assert.throws(
      () => int('x'.repeat(200), 'long'),
      replyError(new RegExp(`^long: expected an integer, got "${'x'.repeat(79)}$`)),
    );
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    assert.throws(() => str(circular, 'c'), replyError(/^c: expected a string, got object$/));
    assert.throws(() => str(10n, 'big'), replyError(/^big: expected a string, got bigint$/));
  });
});

describe('stream command reply checks', () => {
  const entries = [
    ['1-0', ['name', 'a', 'body', '{}']],
    ['2-0', []],
  ];

  it('isEntries: true for a list of [id, [string, ...]] entries only', () => {
    assert.equal(isEntries([]), true);
    assert.equal(isEntries(entries), true);
    assert.equal(isEntries(null), false);
    assert.equal(isEntries('1-0'), false);
    assert.equal(isEntries([['1-0']]), false, 'no fields');
    assert.equal(isEntries([[1, []]]), false, 'a numeric id');
    assert.equal(isEntries([['1-0', 'name']]), false, 'fields not an array');
    assert.equal(isEntries([['1-0', ['name', 1]]]), false, 'a numeric field value');
    assert.equal(isEntries([...entries, null]), false, 'one bad entry');
  });

  it('entriesOfStreamReply: nil and an empty reply give no entries; [[stream, entries]] gives the entries', () => {
    assert.deepEqual(entriesOfStreamReply(null, 'XREADGROUP'), []);
    assert.deepEqual(entriesOfStreamReply([], 'XREADGROUP'), []);
    assert.deepEqual(entriesOfStreamReply([['orders', entries]], 'XREADGROUP'), entries);
    assert.deepEqual(entriesOfStreamReply([['orders', []]], 'XREAD'), []);
  });

  it('entriesOfStreamReply: any other shape is an UnexpectedReplyError naming the command and the shape', () => {
    const expected = /^XREADGROUP: expected \[\[stream, entries\]\] or nil$/;
    for (const bad of [
      undefined,
      'OK',
      3,
      {},
      ['orders'],
      [['orders']],
      [['orders', 'x']],
      [['orders', [['1-0', [1]]]]],
    ]) {
      assert.throws(() => entriesOfStreamReply(bad, 'XREADGROUP'), replyError(expected), JSON.stringify(bad));
    }
    assert.throws(() => entriesOfStreamReply('x', 'XREAD'), replyError(/^XREAD: /));
  });

  it('stringReply: a string passes; anything else names the command and "a string"', () => {
    assert.equal(stringReply('1-0', 'XADD'), '1-0');
    for (const bad of [null, undefined, 1, ['1-0'], Buffer.from('1-0')]) {
      assert.throws(() => stringReply(bad, 'XADD'), replyError(/^XADD: expected a string$/));
    }
  });
});

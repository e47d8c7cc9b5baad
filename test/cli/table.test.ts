/**
 * The CLI's human tables (src/cli/table.ts): columns stay aligned when a cell holds characters a
 * terminal shows two columns wide (CJK, emoji) or none (combining marks).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTable, truncate, width } from '../../src/cli/table.js';

describe('CLI tables', () => {
  it('count terminal columns: wide characters two, combining marks and joiners none', () => {
    assert.equal(width('orders'), 6);
    assert.equal(width('注文'), 4);
    assert.equal(width('🚀'), 2);
    assert.equal(width('e\u0301'), 1);
    assert.equal(width('👍🏽'), 2);
    assert.equal(width('✅⚡⭐'), 6);
    assert.equal(width('☀'), 1); // drawn as text by default
  });

  it('cut a cell to its columns, keeping a character with its marks', () => {
    assert.equal(truncate('注文注文注文', 7), '注文注…');
    assert.equal(width(truncate('注文注文注文', 7)), 7);
    assert.equal(truncate('e\u0301e\u0301e\u0301', 2), 'e\u0301…');
    assert.equal(truncate('short', 64), 'short');
  });

  it('align the next column after a channel named with emoji or CJK', () => {
    const text = renderTable(
      [{ header: 'CHANNEL' }, { header: 'LENGTH', right: true }],
      [
        ['orders', '1'],
        ['🚀launches', '22'],
        ['注文', '333'],
      ],
    );
    const lines = text.trimEnd().split('\n');
    const ends = lines.map((line) => width(line));
    assert.deepEqual(new Set(ends).size, 1, text);
  });
});

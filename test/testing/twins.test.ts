/**
 * Every Lua script of the library has a JavaScript twin in the test kit, and each twin was checked
 * against the script's current text: a new script without a twin, or a script changed after its
 * twin was written, fails here (the twin must be reviewed and its recorded SHA1 updated). A unit
 * test: it reads files, no Redis. The differential tests (*.diff.test.ts) prove each twin's
 * behaviour against the Lua.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PRELUDE } from '../../src/testing/memory/scripts/prelude.js';
import { TWINS } from '../../src/testing/memory/scripts/index.js';
import { scripts } from '../../src/scripts/index.js';

const DIR = new URL('../../src/scripts/', import.meta.url);
const sha1 = (file: string): string =>
  createHash('sha1')
    .update(readFileSync(new URL(file, DIR)))
    .digest('hex');
const luaFiles = readdirSync(DIR).filter((f) => f.endsWith('.lua') && !f.startsWith('_'));

describe('script twins', () => {
  it('every .lua script has a twin, and every twin a script', () => {
    const names = luaFiles.map((f) => f.replace(/-\d+\+?\.lua$/, ''));
    assert.ok(names.length >= 20, `${names.length} scripts`);
    const missing = names.filter((n) => !TWINS.has(n));
    assert.deepEqual(missing, [], `scripts without a twin in src/testing/memory/scripts/: ${missing.join(', ')}`);
    const orphans = [...TWINS.keys()].filter((n) => !names.includes(n));
    assert.deepEqual(orphans, [], `twins of no script: ${orphans.join(', ')}`);
  });

  it('every script the library wraps has a twin under the same name', () => {
    for (const script of Object.values(scripts)) assert.ok(TWINS.has(script.name), `twin of ${script.name}`);
  });

  it('each twin names the file it mirrors and was checked against its current text', () => {
    const stale: string[] = [];
    for (const [name, twin] of TWINS) {
      const file = luaFiles.find((f) => f.replace(/-\d+\+?\.lua$/, '') === name);
      assert.equal(twin.mirrors, file, `twin ${name} mirrors ${file}`);
      if (sha1(twin.mirrors) !== twin.sha1) stale.push(`${twin.mirrors} (now ${sha1(twin.mirrors)})`);
    }
    if (sha1(PRELUDE.mirrors) !== PRELUDE.sha1) stale.push(`${PRELUDE.mirrors} (now ${sha1(PRELUDE.mirrors)})`);
    assert.deepEqual(
      stale,
      [],
      'these scripts changed since their twin was written: update the twin in src/testing/memory/scripts/ ' +
        '(and its differential test), then its recorded sha1',
    );
  });
});

/**
 * The outbox is an optional subpath: the core (`redis-streamer`, dist/index.js and everything it
 * imports) never reaches dist/outbox/ nor `pg`, in its JavaScript or its declarations, so a user
 * without pg installs and type-checks the core as before; the subpath itself never imports pg (it
 * takes the user's client by its shape) and is exported as `redis-streamer/outbox`. Checked on a
 * real build of the current sources (tsc with tsconfig.build.json, shared with the CLI tests).
 * Needs no Redis.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { builtCli } from './cli/support.js';

const REPO = new URL('../', import.meta.url).pathname;

/** Every module specifier of a file: static imports and re-exports, side-effect and dynamic imports, require. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g);
  return [...found].map((m) => m[1] as string);
}

/** The files reached from `entry` through relative specifiers, and the packages they name. */
function graph(entry: string, ext: '.js' | '.d.ts'): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    assert.ok(existsSync(file), `${file} is imported but missing`);
    files.add(file);
    for (const spec of specifiers(file)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), ext === '.js' ? spec : spec.replace(/\.js$/, '.d.ts')));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files: [...files], packages: [...packages] };
}

const isPg = (name: string): boolean => name === 'pg' || name.startsWith('pg/') || /^(@types\/)?pg-/.test(name);

void describe('the outbox subpath and the core', () => {
  let dist = '';
  before(async () => {
    dist = join(dirname(await builtCli()), '..');
  });

  for (const ext of ['.js', '.d.ts'] as const) {
    void it(`the built core (index${ext}) reaches neither dist/outbox/ nor pg`, () => {
      const core = graph(join(dist, `index${ext}`), ext);
      assert.ok(core.files.length > 20, `${core.files.length} files reached`);
      const outbox = core.files.filter((f) => relative(dist, f).startsWith('outbox'));
      assert.deepEqual(outbox, []);
      assert.deepEqual(core.packages.filter(isPg), []);
    });

    void it(`the built subpath (outbox/index${ext}) imports no pg and only the core's public entry`, () => {
      const sub = graph(join(dist, 'outbox', `index${ext}`), ext);
      assert.deepEqual(sub.packages.filter(isPg), []);
      const outside = sub.files.filter((f) => !relative(dist, f).startsWith('outbox/'));
      const core = graph(join(dist, `index${ext}`), ext).files;
      assert.ok(outside.includes(join(dist, `index${ext}`)), 'it uses the core through its public entry');
      // Everything else it reaches, it reaches through that entry.
      assert.deepEqual(
        outside.filter((f) => !core.includes(f)),
        [],
      );
      for (const file of sub.files.filter((f) => relative(dist, f).startsWith('outbox/'))) {
        const inner = specifiers(file).filter((s) => s.startsWith('..'));
        assert.deepEqual(
          inner.filter((s) => s !== '../index.js'),
          [],
          `${relative(dist, file)} imports the core only as ../index.js`,
        );
      }
    });
  }

  void it('package.json exports ./outbox, and pg is an optional peer dependency only', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    assert.deepEqual(pkg['exports']?.['./outbox'], {
      types: './dist/outbox/index.d.ts',
      default: './dist/outbox/index.js',
    });
    assert.ok(existsSync(join(dist, 'outbox', 'index.js')) && existsSync(join(dist, 'outbox', 'index.d.ts')));
    assert.equal(typeof pkg['peerDependencies']?.['pg'], 'string');
    assert.deepEqual(pkg['peerDependenciesMeta']?.['pg'], { optional: true });
    assert.equal(pkg['dependencies']?.['pg'], undefined);
  });
});

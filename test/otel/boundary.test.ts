/**
 * OpenTelemetry is an optional subpath: the BUILT core (dist/index.js and everything it imports,
 * JavaScript and declarations) reaches neither dist/otel/ nor any `@opentelemetry/*` package; the
 * subpath uses the core only through its public entry; package.json exports `./otel` and names
 * `@opentelemetry/api` an optional peer dependency only; and an application with the built package
 * and no OpenTelemetry installed publishes and consumes (only the subpath fails to load). Checked
 * on a real build of the current sources (tsc with tsconfig.build.json, shared with the CLI tests).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { builtCli } from '../cli/support.js';
import { uniqueChannel, useRedis } from '../support/harness.js';

const REPO = new URL('../../', import.meta.url).pathname;
const redis = useRedis();

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

const isOtel = (name: string): boolean => name.startsWith('@opentelemetry/');

describe('the otel subpath and the core', () => {
  let dist = '';
  before(async () => {
    dist = join(dirname(await builtCli()), '..');
  });

  for (const ext of ['.js', '.d.ts'] as const) {
    it(`the built core (index${ext}) reaches neither dist/otel/ nor @opentelemetry`, () => {
      const core = graph(join(dist, `index${ext}`), ext);
      assert.ok(core.files.length > 20, `${core.files.length} files reached`);
      assert.deepEqual(
        core.files.filter((f) => relative(dist, f).startsWith('otel')),
        [],
      );
      assert.deepEqual(core.packages.filter(isOtel), []);
    });

    it(`the built subpath (otel/index${ext}) uses the core only through its public entry`, () => {
      const sub = graph(join(dist, 'otel', `index${ext}`), ext);
      assert.ok(sub.packages.includes('@opentelemetry/api'));
      assert.deepEqual(
        sub.packages.filter((p) => isOtel(p) && p !== '@opentelemetry/api'),
        [],
        'the API only, never an SDK package',
      );
      for (const file of sub.files.filter((f) => relative(dist, f).startsWith('otel/'))) {
        const inner = specifiers(file).filter((s) => s.startsWith('..'));
        assert.deepEqual(
          inner.filter((s) => s !== '../index.js'),
          [],
          `${relative(dist, file)} imports the core only as ../index.js`,
        );
      }
    });
  }

  it('package.json exports ./otel; @opentelemetry/api is an optional peer dependency only', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    assert.deepEqual(pkg['exports']?.['./otel'], { types: './dist/otel/index.d.ts', default: './dist/otel/index.js' });
    assert.ok(existsSync(join(dist, 'otel', 'index.js')) && existsSync(join(dist, 'otel', 'index.d.ts')));
    assert.equal(pkg['peerDependencies']?.['@opentelemetry/api'], '>=1.9.0 <2');
    assert.deepEqual(pkg['peerDependenciesMeta']?.['@opentelemetry/api'], { optional: true });
    assert.deepEqual(Object.keys(pkg['dependencies'] ?? {}).filter(isOtel), []);
  });

  it('an application without @opentelemetry installed publishes and consumes; only the subpath fails to load', async () => {
    const here = new URL('./no-otel/', import.meta.url).pathname;
    const args = ['--import', 'tsx', '--import', join(here, 'register.ts'), join(here, 'app.ts')];
    const out = await new Promise<string>((done, fail) => {
      const child = spawn(process.execPath, [...args, dist, redis.url, uniqueChannel('no-otel')], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', fail);
      child.on('close', (code) => (code === 0 ? done(stdout) : fail(new Error(`exit ${code}: ${stderr}`))));
    });
    assert.deepEqual(JSON.parse(out), {
      message: { name: 'works', payload: { without: 'otel' } },
      subpath: 'ERR_MODULE_NOT_FOUND',
    });
  });
});

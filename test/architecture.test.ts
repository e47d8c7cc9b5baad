/**
 * The shape of the code, checked: imports run one way (facade → consume → policies → transport),
 * leaf modules import nothing of the library, and script replies are only read through their
 * typed wrappers. A unit test: it reads the sources, no Redis.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';

const SRC = new URL('../src/', import.meta.url).pathname;

function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The library files a source file imports (type-only imports included), relative to src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) {
    const target = normalize(join(dirname(file), (match[1] as string).replace(/\.js$/, '.ts')));
    out.push(relative(SRC, target));
  }
  return out;
}

const files = sources().map((f) => ({ path: relative(SRC, f), imports: importsOf(f), text: readFileSync(f, 'utf8') }));

describe('architecture', () => {
  it('finds the sources', () => {
    assert.ok(files.length > 30, `${files.length} files`);
    assert.ok(files.some((f) => f.path === 'streamer.ts'));
  });

  it('delivery/ and maintenance/ never import consume/', () => {
    const offending = files
      .filter((f) => f.path.startsWith('delivery/') || f.path.startsWith('maintenance/'))
      .flatMap((f) => f.imports.filter((i) => i.startsWith('consume/')).map((i) => `${f.path} -> ${i}`));
    assert.deepEqual(offending, []);
  });

  it('the transport (connection/, scripts/) never imports the consume path or its policies', () => {
    const offending = files
      .filter((f) => f.path.startsWith('connection/') || f.path.startsWith('scripts/'))
      .flatMap((f) =>
        f.imports
          .filter((i) => /^(consume|delivery|maintenance|publish|inspect)\//.test(i) || i === 'streamer.ts')
          .map((i) => `${f.path} -> ${i}`),
      );
    assert.deepEqual(offending, []);
  });

  it('the leaf modules errors, events and stats import nothing above them', () => {
    const leaves = new Set(['errors.ts', 'events.ts', 'stats.ts']);
    const offending = files
      .filter((f) => leaves.has(f.path))
      .flatMap((f) => f.imports.filter((i) => !leaves.has(i)).map((i) => `${f.path} -> ${i}`));
    assert.deepEqual(offending, []);
  });

  it('the core never imports the test kit (src/testing/, the redis-streamer/testing subpath)', () => {
    const offending = files
      .filter((f) => !f.path.startsWith('testing/'))
      .flatMap((f) => f.imports.filter((i) => i.startsWith('testing/')).map((i) => `${f.path} -> ${i}`));
    assert.deepEqual(offending, []);
  });

  it('only the scripts module runs scripts, so every reply goes through its typed check', () => {
    const offending = files
      .filter((f) => !f.path.startsWith('scripts/') && !f.path.startsWith('connection/'))
      .filter((f) => /\.runScript\(/.test(f.text))
      .map((f) => f.path);
    assert.deepEqual(offending, []);
  });

  it('every Lua script declares its key count in its file name and is wrapped once', () => {
    const dir = join(SRC, 'scripts');
    const lua = readdirSync(dir).filter((f) => f.endsWith('.lua') && !f.startsWith('_'));
    const catalogue = readFileSync(join(dir, 'index.ts'), 'utf8');
    for (const file of lua) {
      const match = /^([a-z-]+)-(\d+)\+?\.lua$/.exec(file);
      assert.ok(match, `${file} is named <name>-<keys>.lua (or <name>-<keys>+.lua: that many keys or more)`);
      const text = readFileSync(join(dir, file), 'utf8');
      const declared = new Set([...text.matchAll(/^-- KEYS\[(\d+)\]/gm)].map((m) => Number(m[1])));
      assert.equal(declared.size, Number(match[2]), `${file} documents ${match[2]} KEYS`);
      assert.ok(catalogue.includes(`'${match[1]}'`), `${file} is wrapped in scripts/index.ts`);
    }
  });

  it('the core never imports an integration (src/nestjs), nor a framework it needs', () => {
    const core = files.filter((f) => !f.path.startsWith('nestjs/'));
    const inward = core.flatMap((f) =>
      f.imports.filter((i) => i.startsWith('nestjs/')).map((i) => `${f.path} -> ${i}`),
    );
    assert.deepEqual(inward, []);
    const frameworks = core
      .filter((f) => /from\s+['"](@nestjs\/|rxjs|reflect-metadata)/.test(f.text))
      .map((f) => f.path);
    assert.deepEqual(frameworks, []);
  });

  it('src/nestjs uses the public API only (../index.js), like any application', () => {
    const nest = files.filter((f) => f.path.startsWith('nestjs/'));
    assert.ok(nest.length > 5, `${nest.length} files`);
    const inside = nest.flatMap((f) =>
      f.imports.filter((i) => i !== 'index.ts' && !i.startsWith('nestjs/')).map((i) => `${f.path} -> ${i}`),
    );
    assert.deepEqual(inside, []);
  });

  it('the core imports neither the otel subpath nor @opentelemetry; the subpath uses only its public entry', () => {
    const core = files.filter((f) => !f.path.startsWith('otel/'));
    const offending = core.flatMap((f) => [
      ...f.imports.filter((i) => i.startsWith('otel/')).map((i) => `${f.path} -> ${i}`),
      ...(/from\s+['"]@opentelemetry\//.test(f.text) ? [`${f.path} -> @opentelemetry`] : []),
    ]);
    assert.deepEqual(offending, []);
    const otel = files.filter((f) => f.path.startsWith('otel/'));
    assert.ok(otel.length > 3, 'finds src/otel');
    const reaching = otel.flatMap((f) =>
      f.imports.filter((i) => !i.startsWith('otel/') && i !== 'index.ts').map((i) => `${f.path} -> ${i}`),
    );
    assert.deepEqual(reaching, []);
  });
});

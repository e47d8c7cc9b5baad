/**
 * The shape of the code, checked: no import cycle, imports run one way (facade → consume →
 * policies → transport), leaf modules import nothing of the library, and script replies are only read through their
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

/**
 * The library files a source file imports, relative to src/: static imports and re-exports (type-only
 * ones included), side-effect imports, and `import('...')` (dynamic imports and import types).
 */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s+['"](\.[^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g),
  ].map((match) => match[1] as string);
  return [...new Set(specifiers)].map((specifier) =>
    relative(SRC, normalize(join(dirname(file), specifier.replace(/\.js$/, '.ts')))),
  );
}

/**
 * Every import cycle among the sources, each as `a.ts -> b.ts -> a.ts`: a depth-first search of the
 * import graph, which reports a cycle whenever it meets a file still on its path.
 */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const done = new Set<string>();
  const path: string[] = [];
  const cycles: string[] = [];
  const visit = (file: string): void => {
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) cycles.push([...path.slice(at), next].join(' -> '));
      else if (!done.has(next) && graph.has(next)) visit(next);
    }
    path.pop();
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) if (!done.has(file)) visit(file);
  return cycles;
}

const read = (path: string): string => readFileSync(join(SRC, path), 'utf8');

const files = sources().map((f) => ({ path: relative(SRC, f), imports: importsOf(f), text: readFileSync(f, 'utf8') }));

describe('architecture', () => {
  it('finds the sources', () => {
    assert.ok(files.length > 30, `${files.length} files`);
    assert.ok(files.some((f) => f.path === 'streamer.ts'));
  });

  it('every import resolves to a source file', () => {
    const known = new Set(files.map((f) => f.path));
    const dangling = files.flatMap((f) => f.imports.filter((i) => !known.has(i)).map((i) => `${f.path} -> ${i}`));
    assert.deepEqual(dangling, []);
  });

  it('no import cycle among the sources, type-only and dynamic imports included', () => {
    const cycles = importCycles(new Map(files.map((f) => [f.path, f.imports])));
    assert.deepEqual(cycles, []);
  });

  it('the cycle search finds a cycle, of any length, and only cycles', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'd.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
    ]);
    assert.deepEqual(importCycles(graph), ['a.ts -> b.ts -> c.ts -> a.ts', 'e.ts -> e.ts']);
    assert.deepEqual(
      importCycles(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', []],
        ]),
      ),
      [],
    );
  });

  it('every ErrorCode is carried by an error class an entry point exports', () => {
    const codes = [
      ...(/export type ErrorCode =([^;]+);/.exec(read('errors.ts'))?.[1] ?? '').matchAll(/'(ERR_\w+)'/g),
    ].map((m) => m[1] as string);
    assert.ok(codes.length > 10, `${codes.length} codes`);
    const exported = new Set(
      ['index.ts', 'testing/index.ts', 'outbox/index.ts'].flatMap((entry) =>
        [...read(entry).matchAll(/\b([A-Z]\w*Error)\b/g)].map((m) => m[1] as string),
      ),
    );
    // Each error class, with the codes its body names (its super call, or the codes its constructor takes).
    const classes = ['errors.ts', 'testing/errors.ts', 'outbox/errors.ts'].flatMap((file) =>
      read(file)
        .split(/^(?=export class )/m)
        .slice(1)
        .map((text) => ({ name: /^export class (\w+)/.exec(text)?.[1] as string, text })),
    );
    const orphans = codes.filter((code) => !classes.some((c) => c.text.includes(`'${code}'`) && exported.has(c.name)));
    assert.deepEqual(orphans, []);
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

  it('the leaf modules errors, events, stats, reply-meaning and thrown import nothing above them', () => {
    const leaves = new Set(['errors.ts', 'events.ts', 'stats.ts', 'reply-meaning.ts', 'thrown.ts']);
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

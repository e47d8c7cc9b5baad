// Prints, one per line, those of the test files given as arguments that need no Redis: the files
// that import none of test/support/{harness,redis-server,processes}.ts, directly or through another
// module under test/ (test/conformance/suite.ts, test/support/topology.ts...). Used by
// `scripts/test.sh --unit`; run from the repository root.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';

const NEEDS_REDIS = new Set(['test/support/harness.ts', 'test/support/redis-server.ts', 'test/support/processes.ts']);

/** Relative module specifiers of a file: static imports and re-exports, side-effect and dynamic imports. */
const SPECIFIER = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.\.?\/[^'"]+)['"]/g;

const posix = (path) => path.split(sep).join('/');

/** The test-local modules a file imports (paths from the repository root). */
function importsOf(file) {
  const out = [];
  for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
    let target = posix(normalize(join(dirname(file), match[1])));
    if (/\.[cm]?js$/.test(target)) target = target.replace(/\.([cm]?)js$/, '.$1ts');
    else if (!/\.[cm]?ts$/.test(target)) target += '.ts';
    if (target.startsWith('test/') && existsSync(target)) out.push(target);
  }
  return out;
}

const importsCache = new Map();

/** Whether a file reaches one of NEEDS_REDIS through its test-local imports. */
function needsRedis(file) {
  const seen = new Set([file]);
  const queue = [file];
  while (queue.length > 0) {
    const current = queue.shift();
    if (NEEDS_REDIS.has(current)) return true;
    if (!importsCache.has(current)) importsCache.set(current, importsOf(current));
    for (const target of importsCache.get(current)) {
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return false;
}

for (const file of process.argv.slice(2)) {
  if (!needsRedis(posix(normalize(file)))) console.log(file);
}

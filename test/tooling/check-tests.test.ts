/**
 * scripts/check-tests.mjs (run by `npm run lint`) lists every test that calls no assert, directly or
 * through a test helper: on the planted file test/fixtures/check-tests/planted.ts it lists exactly
 * the tests named "flagged: ..." and fails. No Redis.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';

const PLANTED = 'test/fixtures/check-tests/planted.ts';

/** Runs the check on `args`: its exit code and output. */
function check(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/check-tests.mjs', ...args], (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

describe('scripts/check-tests.mjs', () => {
  it('fails on the planted file, listing exactly the tests that assert nothing, with their lines', async () => {
    const { code, stderr } = await check([PLANTED]);
    assert.equal(code, 1, stderr);
    const listed = [...stderr.matchAll(/^ {2}(\S+):(\d+): '(.+)'$/gm)].map((m) => m[3]);
    assert.deepEqual(listed, [
      'flagged: no assertion at all',
      'flagged: only an assertion of literals',
      'flagged: a helper that asserts nothing',
      'flagged: test() is checked as it() is',
      'flagged: an exemption without a reason',
      'flagged: an empty test that is not skipped',
      'flagged: a skip option on a test with a body',
    ]);
    assert.match(stderr, /^check-tests: 7 of 18 tests call no assert/);
    assert.match(stderr, new RegExp(`^ {2}${PLANTED}:19: 'flagged: no assertion at all'$`, 'm'));
  });

  it('passes on a file whose tests all assert, and refuses an unknown flag', async () => {
    const clean = await check(['test/tooling/check-tests.test.ts']);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /^check-tests: 2 tests in 1 files, each calls assert$/m);
    const usage = await check(['--fix']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^usage: /);
  });
});

/**
 * The test kit's example (examples/testing/invoice.test.ts) runs as a user would run it, with
 * node:test in a child process: every test passes, and the retry-then-dead-letter test, whose
 * backoffs add up to at least 1.5 s on the bus clock, takes less real time than that (the kit
 * moved its clock instead of waiting).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

describe('examples/testing', () => {
  it('invoice.test.ts passes, its retry-then-dead-letter test without waiting out the backoffs', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=tap', 'examples/testing/invoice.test.ts'],
      // Without NODE_TEST_CONTEXT, which would make the child report to this runner instead of stdout.
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_TEST_CONTEXT: undefined } },
    );
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^# pass 3$/m);
    assert.match(run.stdout, /^# fail 0$/m);
    const deadLetter =
      /ok \d+ - dead-letters the order after 3 failed attempts[^\n]*\n\s*---\n\s*duration_ms: ([\d.]+)/.exec(
        run.stdout,
      );
    assert.ok(deadLetter, run.stdout);
    assert.ok(Number(deadLetter[1]) < 1500, `took ${deadLetter[1]} ms of real time`);
  });
});

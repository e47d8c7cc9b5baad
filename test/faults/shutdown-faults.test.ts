/**
 * Shutdown under faults, in real child processes: cleanup() returns promptly while Redis is down,
 * and when a handler outlives shutdownTimeoutMs; either way the process then exits by itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startRedis } from '../support/redis-server.js';
import { needsPrivateServer, waitFor } from '../support/harness.js';
import { leftoverResources } from '../support/active-resources.js';
import { startChild } from '../support/processes.js';

async function exitOf(child: Awaited<ReturnType<typeof startChild>>, withinMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    child.exited,
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), withinMs))),
  ]);
  clearTimeout(timer);
  if (code === 'timeout') {
    child.process.kill('SIGKILL');
    assert.fail(`the process did not exit by itself within ${withinMs} ms: ${child.output()}`);
  }
  return code;
}

describe('shutdown under faults', { skip: needsPrivateServer }, () => {
  it('returns promptly and lets the process exit while Redis is down', async () => {
    const server = await startRedis();
    try {
      const child = await startChild('test/support/child-stop.ts', [server.url, 'redis-down']);
      await server.kill();
      await waitFor(() => child.output().includes('reconnecting'), 'the connections notice and start reconnecting');
      child.process.stdin?.write('stop\n');
      const code = await exitOf(child, 8000);
      assert.equal(code, 0, child.output());
      const [, ms] = /cleaned in (\d+) ms/.exec(child.output()) ?? [];
      assert.ok(Number(ms) < 6000, `cleanup took ${ms} ms`);
      assert.deepEqual(leftoverResources(child.output()), [], 'nothing left active after cleanup()');
    } finally {
      await server.stop();
    }
  });

  it('does not wait past shutdownTimeoutMs for a slow handler, whose late ack reopens nothing', async () => {
    const server = await startRedis();
    try {
      const child = await startChild('test/support/child-stop.ts', [server.url, 'late-handler']);
      child.process.stdin?.write('stop\n');
      const code = await exitOf(child, 10_000);
      assert.equal(code, 0, child.output());
      const [, ms] = /cleaned in (\d+) ms/.exec(child.output()) ?? [];
      assert.ok(Number(ms) < 1500, `cleanup waited ${ms} ms for a handler it should have given up on`);
      // The handler's own 1.5 s sleep may still run: that timer is the application's.
      assert.ok(
        (leftoverResources(child.output()) ?? []).every((r) => r === 'Timeout'),
        child.output(),
      );
      assert.match(child.output(), /a handler finished after shutdown; its acknowledgement was not written/);
    } finally {
      await server.stop();
    }
  });
});

/**
 * Clean shutdown: stopConsuming returns promptly (within blockMs + 1 s) after in-flight handlers
 * finish, closes every connection, and a process using the library exits by itself.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { ClosedError, RedisStreamer, silentLogger } from '../../src/index.js';
import { delay, uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { waitUntilWaiting } from '../support/states.js';

const redis = useRedis();

/** Connections the library opened for a service, by their CLIENT SETNAME. */
async function clientCount(service: string): Promise<number> {
  const list = await redis.client.client('LIST');
  return String(list)
    .split('\n')
    .filter((l) => l.includes(`name=redis-streamer:${service}:`)).length;
}

describe('shutdown', () => {
  it('returns within blockMs + 1 s when idle, and closes every connection it opened', async () => {
    const channel = uniqueChannel('idle-stop');
    const s = new RedisStreamer(redis.url, 'idle-stop', { logger: silentLogger });
    await s.subscribe(channel);
    await s.subscribe(uniqueChannel('idle-stop-2'));
    s.registerHandler(channel, () => {});
    const run = s.persistConsume({ blockMs: 3000 });
    await waitUntilWaiting(redis.client, 'idle-stop'); // idle: the loop waits in its XREAD
    assert.ok((await clientCount('idle-stop')) >= 2, 'connections are open while consuming');
    const started = Date.now();
    await s.stopConsuming();
    const took = Date.now() - started;
    await run;
    assert.ok(took < 3000 + 1000, `stopConsuming took ${took} ms`);
    assert.equal(await clientCount('idle-stop'), 0, 'no connection of the library left');
    await s.cleanup();
  });

  it('waits for in-flight handlers to finish before resolving', async () => {
    const channel = uniqueChannel('inflight-stop');
    const s = new RedisStreamer(redis.url, 'inflight-stop', { logger: silentLogger });
    await s.subscribe(channel);
    let started = false;
    let finished = false;
    s.registerHandler(channel, async () => {
      started = true;
      await delay(700); // the slow handler itself
      finished = true;
    });
    const run = s.persistConsume({ blockMs: 2000 });
    await redis.streamer('publisher').sendMessage(channel, { name: 'slow', body: {} });
    await waitFor(() => started, 'the handler started');
    const t0 = Date.now();
    await s.stopConsuming();
    assert.equal(finished, true, 'stopConsuming resolved after the handler finished');
    assert.ok(Date.now() - t0 < 2000 + 1000 + 700);
    await run;
    await s.cleanup();
  });

  it('ends persistConsume when its signal aborts, and works with await using', async () => {
    const channel = uniqueChannel('signal-stop');
    const controller = new AbortController();
    let run: Promise<void>;
    {
      await using s = new RedisStreamer(redis.url, 'signal-stop', { logger: silentLogger });
      await s.subscribe(channel);
      s.registerHandler(channel, () => {});
      run = s.persistConsume({ blockMs: 2000, signal: controller.signal });
      await waitUntilWaiting(redis.client, 'signal-stop');
      controller.abort();
      await run;
      assert.equal((await s.getStats()).consuming, false);
    }
    assert.equal(await clientCount('signal-stop'), 0, 'await using closed everything');
  });

  it('refuses use after cleanup with ClosedError', async () => {
    const s = new RedisStreamer(redis.url, 'closed', { logger: silentLogger });
    await s.cleanup();
    await assert.rejects(s.subscribe('x'), ClosedError);
    await assert.rejects(s.sendMessage('x', { name: 'n', body: {} }), ClosedError);
    await assert.rejects(s.persistConsume(), ClosedError);
    await s.cleanup(); // idempotent
  });

  for (const mode of ['at-most-once', 'at-least-once']) {
    it(`lets a process exit by itself after cleanup (${mode})`, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/child-app.ts', redis.url, mode], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(null);
        }, 20_000);
        child.on('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      assert.equal(code, 0, `the child did not exit by itself (stdout: ${out}, stderr: ${err})`);
      // Only the child's own stdio pipes may remain.
      const left = JSON.parse(/^cleaned (.*)$/m.exec(out)?.[1] ?? 'null') as string[] | null;
      assert.deepEqual(
        left?.filter((r) => r !== 'PipeWrap'),
        [],
        'no socket, timer or other handle was left after cleanup',
      );
    });
  }
});

/**
 * `npm run demo` on a machine without Redis: no Redis at REDIS_URL and no redis-server on PATH. The
 * demo runs on the in-memory bus, says so in its first line, and completes (every order reached
 * both services exactly once), exiting by itself.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from '../support/redis-server.js';

describe('npm run demo without Redis', () => {
  it('runs on the in-memory bus, says so first, and completes', async () => {
    const port = await freePort(); // nothing listens there
    const emptyPath = mkdtempSync(join(tmpdir(), 'demo-path-')); // no redis-server on this PATH
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], {
        env: { ...process.env, PATH: emptyPath, REDIS_URL: `redis://127.0.0.1:${port}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      clearTimeout(killer);
      assert.equal(code, 0, `${out}\n${err}`);
      assert.equal(
        out.split('\n')[0],
        `no Redis found at redis://127.0.0.1:${port}: running on the in-memory bus; install redis-server or set REDIS_URL to see it on Redis`,
      );
      assert.match(out, /billing total 1000 \(shared by 2 instances\), shipping total 1000 \(fan-out\)/);
      assert.match(out, /Demo OK: every order reached both services exactly once\./);
    } finally {
      rmSync(emptyPath, { recursive: true, force: true });
    }
  });
});

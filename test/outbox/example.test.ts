/**
 * examples/outbox runs as its README says (against a private PostgreSQL and redis-server given as
 * DATABASE_URL and REDIS_URL), prints what it promises and exits by itself.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { useRedis } from '../support/harness.js';
import { usePostgres } from '../support/postgres.js';

const redis = useRedis();
const postgres = usePostgres();
const MAIN = new URL('../../examples/outbox/main.ts', import.meta.url).pathname;

void describe('examples/outbox', () => {
  void it('runs: committed orders billed once, the rolled-back and the refused ones never', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: { ...process.env, DATABASE_URL: postgres.url, REDIS_URL: redis.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    assert.equal(code, 0, out);
    assert.match(out, /^placed A-\d+$/m);
    assert.match(out, /^rolled back B-\d+ \(Error: payment declined\)$/m);
    assert.match(out, /^rolled back C-\d+ \(refused before its INSERT: .*BigInt/m);
    assert.equal(out.match(/^billing got order\.created/gm)?.length, 2, out);
    assert.match(out, /billed 2 orders; outbox: 0 unpublished, 0 dead/);
  });
});

/**
 * `redis-streamer asyncapi <module>`: the document of the contracts a built module exports, valid
 * for the official AsyncAPI parser; a module without contracts fails (exit 1), a missing one is a
 * usage error (exit 2). No Redis is involved.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Parser } from '@asyncapi/parser';
import { builtCli, cli } from './support.js';

let dir = '';

before(async () => {
  // Next to the built package, so `./dist/index.js` and the repository's `zod` resolve from the module.
  const root = dirname(dirname(dirname(await builtCli())));
  dir = mkdtempSync(join(root, 'asyncapi-'));
  const lib = JSON.stringify(join(root, 'dist', 'index.js'));
  writeFileSync(
    join(dir, 'contracts.mjs'),
    `import { z } from 'zod';
import { defineChannel } from ${lib};
export const orders = defineChannel('orders', {
  'order.created': z.object({ orderId: z.string(), total: z.number() }),
  'order.paid': z.object({ orderId: z.string() }),
});
export const payments = defineChannel('payments', { 'payment.captured': z.object({ paymentId: z.string() }) });
export const unrelated = 42;
`,
  );
  writeFileSync(
    join(dir, 'service.mjs'),
    `import { orders, payments } from './contracts.mjs';
export const asyncapi = { title: 'Billing', version: '3.1.4', services: { billing: { receives: [orders], sends: [payments] } } };
`,
  );
  writeFileSync(join(dir, 'empty.mjs'), 'export const nothing = 1;\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function parsed(text: string): Promise<Record<string, unknown>> {
  const doc = JSON.parse(text) as Record<string, unknown>;
  const errors = (await new Parser().validate(text)).filter((d) => Number(d.severity) === 0);
  assert.deepEqual(errors, [], 'the official parser finds no error');
  return doc;
}

describe('redis-streamer asyncapi', () => {
  it('prints the document of the exported contracts', async () => {
    const run = await cli(['asyncapi', join(dir, 'contracts.mjs'), '--title', 'Shop', '--doc-version', '2.0.0']);
    assert.equal(run.code, 0, run.stderr);
    const doc = await parsed(run.stdout);
    assert.deepEqual(doc['info'] && (doc['info'] as { title: string }).title, 'Shop');
    assert.deepEqual(Object.keys(doc['channels'] as object), ['orders', 'payments']);
  });

  it("uses the module's `asyncapi` options (services become operations) and writes --out", async () => {
    const out = join(dir, 'doc.json');
    const run = await cli(['asyncapi', join(dir, 'service.mjs'), '--out', out, '--server', 'redis:6379']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    const doc = await parsed(readFileSync(out, 'utf8'));
    assert.equal((doc['info'] as { version: string }).version, '3.1.4');
    assert.deepEqual(Object.keys(doc['operations'] as object).sort(), [
      'billing.receive.orders',
      'billing.send.payments',
    ]);
    assert.deepEqual(doc['servers'], { redis: { host: 'redis:6379', protocol: 'redis' } });
  });

  it('exits 1 for a module without contracts and 2 for a module that does not exist', async () => {
    const empty = await cli(['asyncapi', join(dir, 'empty.mjs')]);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /exports neither `asyncapi` nor any contract/);
    const missing = await cli(['asyncapi', join(dir, 'missing.mjs')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot find the module/);
  });
});

/**
 * The AsyncAPI document generated from contracts, validated by the official AsyncAPI parser (zero
 * errors), and kept as a snapshot in the docs (docs/asyncapi/example.json): set
 * UPDATE_SNAPSHOTS=1 to rewrite it after a deliberate change.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Parser } from '@asyncapi/parser';
import * as v from 'valibot';
import { z } from 'zod';
import { ConfigError, defineChannel, toAsyncApi } from '../../src/index.js';
import { orders, payments, services, shipments } from './example-contracts.js';

const SNAPSHOT = 'docs/asyncapi/example.json';

function example(
  onWarning: (m: string) => void = () => assert.fail('no warning expected'),
): ReturnType<typeof toAsyncApi> {
  return toAsyncApi({
    title: 'Shop events',
    version: '1.0.0',
    channels: [orders, payments, shipments],
    services,
    server: { host: 'redis.internal:6379' },
    onWarning,
  });
}

describe('toAsyncApi', () => {
  it('generates a document the official AsyncAPI parser validates with zero errors', async () => {
    const diagnostics = await new Parser().validate(JSON.stringify(example()));
    const errors = diagnostics.filter((d) => Number(d.severity) === 0);
    assert.deepEqual(
      errors.map((d) => `${d.path.join('.')}: ${d.message}`),
      [],
    );
  });

  it('describes every channel, message, payload and operation', () => {
    const doc = example() as unknown as {
      channels: Record<string, { address: string; messages: Record<string, unknown> }>;
      operations: Record<string, { action: string; description?: string; messages: unknown[] }>;
      components: { messages: Record<string, { name: string; payload: { required?: string[] }; headers: unknown }> };
    };
    assert.deepEqual(Object.keys(doc.channels), ['orders', 'payments', 'shipments']);
    assert.equal(doc.channels['orders']?.address, 'orders');
    assert.deepEqual(Object.keys(doc.channels['orders']?.messages ?? {}), [
      'order.created',
      'order.paid',
      'order.cancelled',
    ]);
    const created = doc.components.messages['orders.order.created'];
    assert.equal(created?.name, 'order.created');
    assert.deepEqual(created?.payload.required, ['orderId', 'customerId', 'lines', 'total']);
    assert.deepEqual(doc.components.messages['payments.payment.refunded']?.payload.required, ['amount', 'paymentId']);
    assert.deepEqual(doc.components.messages['shipments.shipment.created']?.payload.required, [
      'shipmentId',
      'orderId',
    ]);
    const receive = doc.operations['billing.receive.orders'];
    assert.equal(receive?.action, 'receive');
    assert.match(receive?.description ?? '', /orders:billing:cg/);
    assert.equal(doc.operations['shop.send.orders']?.action, 'send');
    assert.equal(Object.keys(doc.operations).length, 8);
  });

  it('says so, never guesses, when a schema cannot give a JSON Schema', async () => {
    const warnings: string[] = [];
    const legacy = defineChannel('legacy', { 'thing.done': v.object({ id: v.string() }) });
    const doc = toAsyncApi({ title: 't', version: '1', channels: [legacy], onWarning: (m) => warnings.push(m) });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /"thing\.done".*valibot.*Standard JSON Schema/);
    const payload = (doc['components'] as { messages: Record<string, { payload: Record<string, unknown> }> }).messages[
      'legacy.thing.done'
    ]?.payload;
    assert.equal(payload?.['x-redis-streamer-undescribed'], true);
    const errors = (await new Parser().validate(JSON.stringify(doc))).filter((d) => Number(d.severity) === 0);
    assert.deepEqual(errors, []);
  });

  it('refuses what is not a contract, two contracts for one channel, and unknown options', () => {
    assert.throws(() => toAsyncApi({ title: 't', version: '1', channels: ['orders' as never] }), ConfigError);
    const twin = defineChannel('orders', { 'order.created': z.object({}) });
    assert.throws(() => toAsyncApi({ title: 't', version: '1', channels: [orders, twin] }), /two different contracts/);
    assert.throws(() => toAsyncApi({ title: 't', version: '1', chanels: [] } as never), /unknown option "chanels"/);
    assert.throws(() => toAsyncApi({ title: '', version: '1' }), /title/);
  });

  it(`matches the snapshot in ${SNAPSHOT}`, () => {
    const text = `${JSON.stringify(example(), null, 2)}\n`;
    if (process.env['UPDATE_SNAPSHOTS'] === '1') writeFileSync(SNAPSHOT, text);
    assert.equal(text, readFileSync(SNAPSHOT, 'utf8'), `run with UPDATE_SNAPSHOTS=1 to update ${SNAPSHOT}`);
  });
});

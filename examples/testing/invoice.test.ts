/**
 * Testing a handler with redis-streamer/testing and node:test: no Redis, no sleeps. The bus runs
 * real streamers on an in-memory Redis with a clock of its own; `bus.settled()` runs every message
 * to its end (retries and their backoffs included) by moving that clock.
 *
 * Run: node --import tsx --test examples/testing/invoice.test.ts
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createTestBus, type TestBus } from 'redis-streamer/testing';
import { startInvoicing, type Mailer, type OrderPaid } from './invoicing.js';

/** A mailer that fails its first `failures` calls, and records the invoices it sent. */
function flakyMailer(failures: number): Mailer & { sent: string[]; calls: number } {
  return {
    sent: [],
    calls: 0,
    sendInvoice(to, orderId) {
      this.calls++;
      if (this.calls <= failures) return Promise.reject(new Error('mail service unavailable'));
      this.sent.push(`${orderId} -> ${to}`);
      return Promise.resolve();
    },
  };
}

const paid: OrderPaid = { orderId: 'ORD-1', email: 'ada@example.com', total: 42 };

describe('invoicing', () => {
  let bus: TestBus;
  beforeEach(() => {
    bus = createTestBus();
  });
  afterEach(() => bus.close());

  /** Billing with the service's real delivery settings, and a shop that publishes. */
  async function billingWith(mailer: Mailer): Promise<void> {
    const billing = bus.streamer('billing', { delivery: 'at-least-once', maxAttempts: 3, retryBaseMs: 1000 });
    await startInvoicing(billing, mailer);
    void billing.persistConsume();
    await bus.streamer('shop').sendMessage('orders', { name: 'order.paid', body: paid });
  }

  it('sends the invoice when an order is paid', async () => {
    const mailer = flakyMailer(0);
    await billingWith(mailer);
    await bus.settled();
    assert.deepEqual(mailer.sent, ['ORD-1 -> ada@example.com']);
    assert.equal(bus.handled({ service: 'billing' }).length, 1);
  });

  it('retries when the mail service fails twice, and sends the invoice once', async () => {
    const mailer = flakyMailer(2);
    await billingWith(mailer);
    await bus.settled();
    assert.deepEqual(
      bus.failed({ service: 'billing' }).map((f) => f.attempt),
      [1, 2],
    );
    assert.deepEqual(mailer.sent, ['ORD-1 -> ada@example.com']);
    assert.equal(bus.handled({ service: 'billing' })[0]?.attempt, 3);
    assert.deepEqual(bus.deadLettered(), []);
  });

  it('dead-letters the order after 3 failed attempts, with the reason and the last error', async () => {
    const mailer = flakyMailer(Infinity);
    const start = bus.clock.now();
    await billingWith(mailer);
    await bus.settled();
    // Three attempts, two backoffs of at least 0.5 s and 1 s: on the bus's clock, not the test's.
    assert.equal(mailer.calls, 3);
    assert.ok(bus.clock.now() - start >= 1500, 'the backoffs passed on the bus clock');
    const [dead] = bus.deadLettered({ service: 'billing' });
    assert.equal(dead?.reason, 'max-attempts');
    assert.equal(dead?.attempts, 3);
    assert.match(dead?.error ?? '', /mail service unavailable/);
    const [stored] = await bus.deadLetters('orders').list();
    assert.deepEqual(stored?.body, paid, 'the dead letter keeps the order for a replay');
  });
});

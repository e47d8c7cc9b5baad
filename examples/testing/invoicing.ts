/**
 * The code under test in this example: a billing service that sends an invoice when an order is
 * paid. The mailer is passed in, so a test can make it fail.
 */
import type { RedisStreamer } from 'redis-streamer';

/** An order.paid event. */
export interface OrderPaid {
  readonly orderId: string;
  readonly email: string;
  readonly total: number;
}

/** What sends invoices (an HTTP client in production). */
export interface Mailer {
  sendInvoice(to: string, orderId: string, total: number): Promise<void>;
}

/**
 * Registers billing's handler: each `order.paid` on `orders` sends an invoice. A failing mailer
 * throws, so the streamer retries the message (at-least-once) and dead-letters it in the end.
 */
export async function startInvoicing(billing: RedisStreamer, mailer: Mailer): Promise<void> {
  await billing.subscribe('orders');
  billing.registerHandler<OrderPaid>(
    'orders',
    async (_name, order) => {
      await mailer.sendInvoice(order.email, order.orderId, order.total);
    },
    { name: 'order.paid' },
  );
}

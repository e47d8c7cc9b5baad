/**
 * The channels the example's services share, as contracts: one Zod schema per event name gives the
 * payload types in the handlers, the checks before publishing and the checks on receipt.
 */
import { defineChannel } from 'redis-streamer';
import { z } from 'zod';

/** Orders placed and cancelled (published by the orders side, here the example's main). */
export const orders = defineChannel('example.orders', {
  'order.created': z.object({ orderId: z.string(), customer: z.string(), total: z.number().positive() }),
  'order.cancelled': z.object({ orderId: z.string(), reason: z.string() }),
});

/** Payments taken by the billing service. */
export const payments = defineChannel('example.payments', {
  'payment.captured': z.object({ orderId: z.string(), amount: z.number(), capturedAt: z.iso.datetime() }),
});

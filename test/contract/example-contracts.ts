/**
 * Three channels with several events each, as a shop's services would define them: the contracts
 * behind the AsyncAPI test and the document snapshot in docs/asyncapi/example.json.
 */
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import { type } from 'arktype';
import * as v from 'valibot';
import { z } from 'zod';
import { defineChannel } from '../../src/index.js';

export const orders = defineChannel(
  'orders',
  {
    'order.created': z.object({
      orderId: z.string(),
      customerId: z.number().int(),
      lines: z.array(z.object({ sku: z.string(), qty: z.number().int().positive(), price: z.number() })),
      total: z.number(),
    }),
    'order.paid': z.object({ orderId: z.string(), paidAt: z.iso.datetime() }),
    'order.cancelled': z.object({ orderId: z.string(), reason: z.enum(['customer', 'fraud', 'stock']) }),
  },
  { description: 'Orders placed in the shop.' },
);

export const payments = defineChannel('payments', {
  'payment.authorized': type({ paymentId: 'string', orderId: 'string', amount: 'number > 0' }),
  'payment.captured': type({ paymentId: 'string', capturedAt: 'string' }),
  'payment.refunded': type({ paymentId: 'string', amount: 'number > 0', 'note?': 'string' }),
});

export const shipments = defineChannel('shipments', {
  'shipment.created': toStandardJsonSchema(v.object({ shipmentId: v.string(), orderId: v.string() })),
  'shipment.delivered': toStandardJsonSchema(v.object({ shipmentId: v.string(), signedBy: v.optional(v.string()) })),
});

export const services = {
  shop: { sends: [orders], receives: [payments, shipments] },
  billing: { sends: [payments], receives: [orders] },
  warehouse: { sends: [shipments], receives: [orders, payments] },
};

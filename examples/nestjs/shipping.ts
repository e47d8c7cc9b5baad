/**
 * The shipping service: gets every order event too (its own consumer group: fan-out), prepares a
 * parcel once the payment is captured, and drops it when the order is cancelled.
 */
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  OnStreamEvent,
  RedisStreamerContext,
  RedisStreamerExceptionFilter,
  RedisStreamerTransport,
} from 'redis-streamer/nestjs';
import { orders, payments } from './contracts.js';

/** What the shipping service did, for the example's summary. */
export const shipped: string[] = [];

@Controller()
class ShippingController {
  @OnStreamEvent(orders, 'order.created')
  reserve(@Payload() order: { orderId: string }, @Ctx() ctx: RedisStreamerContext): void {
    console.log(`shipping: reserving stock for ${order.orderId} (entry ${ctx.getId()} of ${ctx.getChannel()})`);
  }

  @OnStreamEvent(orders, 'order.cancelled')
  cancel(@Payload() order: { orderId: string; reason: string }): void {
    console.log(`shipping: releasing the stock of ${order.orderId} (${order.reason})`);
  }

  @OnStreamEvent(payments, 'payment.captured')
  ship(@Payload() payment: { orderId: string; amount: number }): void {
    console.log(`shipping: payment of ${payment.amount} captured, shipping ${payment.orderId}`);
    shipped.push(payment.orderId);
  }
}

@Module({ controllers: [ShippingController] })
class ShippingModule {}

/** Starts the shipping service: a Nest microservice consuming the orders and payments channels. */
export async function startShipping(redis: string): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice(ShippingModule, {
    strategy: new RedisStreamerTransport({
      redis,
      service: 'shipping',
      channels: [orders, payments],
      delivery: 'at-least-once',
    }),
    logger: ['error', 'warn'],
  });
  app.useGlobalFilters(new RedisStreamerExceptionFilter());
  await app.listen();
  return app;
}

/**
 * The billing service: takes a payment for every order created, and says so on the payments
 * channel through the redis-streamer client (an idempotency key per order, so a retried handler
 * never charges or announces twice).
 */
import { Controller, Inject, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  OnStreamEvent,
  REDIS_STREAMER_CLIENT,
  RedisStreamerClient,
  RedisStreamerContext,
  RedisStreamerExceptionFilter,
  RedisStreamerModule,
  RedisStreamerRecord,
  RedisStreamerTransport,
  streamEvent,
} from 'redis-streamer/nestjs';
import { orders, payments } from './contracts.js';

@Controller()
class BillingController {
  // Injected by token: the client is registered by RedisStreamerModule under REDIS_STREAMER_CLIENT.
  constructor(@Inject(REDIS_STREAMER_CLIENT) private readonly events: RedisStreamerClient) {}

  @OnStreamEvent(orders, 'order.created')
  async charge(
    @Payload() order: { orderId: string; customer: string; total: number },
    @Ctx() ctx: RedisStreamerContext,
  ): Promise<void> {
    console.log(
      `billing: charging ${order.customer} ${order.total} for ${order.orderId} (attempt ${ctx.getAttempt()})`,
    );
    const captured = { orderId: order.orderId, amount: order.total, capturedAt: new Date().toISOString() };
    await lastValueFrom(
      this.events.emit(
        streamEvent(payments, 'payment.captured'),
        new RedisStreamerRecord(captured, { idempotencyKey: `captured:${order.orderId}` }),
      ),
    );
  }
}

/** Starts the billing service: a Nest microservice consuming the orders channel. */
export async function startBilling(redis: string): Promise<INestMicroservice> {
  @Module({
    imports: [RedisStreamerModule.forRoot({ redis })],
    controllers: [BillingController],
  })
  class BillingModule {}

  const app = await NestFactory.createMicroservice(BillingModule, {
    strategy: new RedisStreamerTransport({ redis, service: 'billing', channels: [orders], delivery: 'at-least-once' }),
    logger: ['error', 'warn'],
  });
  app.useGlobalFilters(new RedisStreamerExceptionFilter());
  await app.listen();
  return app;
}

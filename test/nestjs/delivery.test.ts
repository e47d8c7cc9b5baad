/**
 * A Nest handler's failure follows the delivery guarantee: retried in at-least-once mode, then
 * dead-lettered, whatever Nest's exception handling made of it. Exception filters, a validation
 * pipe and interceptors take part as on any Nest transport.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Catch,
  Controller,
  UseFilters,
  UseInterceptors,
  ValidationPipe,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
  type RpcExceptionFilter,
} from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { IsNumber, IsString, Min } from 'class-validator';
import { of, tap, throwError, type Observable } from 'rxjs';
import { UnrecoverableError, type DeadLetter } from '../../src/index.js';
import { OnStreamEvent, RedisStreamerContext, RedisStreamerExceptionFilter } from '../../src/nestjs/index.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { RecordingLogger, startService } from './nest-apps.js';

const redis = useRedis();

/** Fast retries, so that attempt 3 comes within a test. */
const RETRY_FAST = { delivery: 'at-least-once', retryBaseMs: 20, retryMaxMs: 40, claimIntervalMs: 50 } as const;

async function settled(channel: string, group: string): Promise<void> {
  await waitFor(
    async () => Number(((await redis.client.xpending(channel, group)) as [number])[0]) === 0,
    'nothing pending in the group',
  );
}

function deadLetters(channel: string): Promise<DeadLetter[]> {
  return redis.streamer('dlq-reader').deadLetters(channel).list();
}

function flakyController(attempts: number[]): new () => object {
  @Controller()
  class Flaky {
    @OnStreamEvent('order.created')
    created(@Payload() _order: unknown, @Ctx() ctx: RedisStreamerContext): void {
      attempts.push(ctx.getAttempt());
      if (ctx.getAttempt() < 3) throw new Error(`not yet (attempt ${ctx.getAttempt()})`);
    }
  }
  return Flaky;
}

describe('NestJS transport: failures follow the delivery guarantee', () => {
  for (const withFilter of [true, false]) {
    it(`a handler that throws twice then succeeds is handled on attempt 3 (${withFilter ? 'RedisStreamerExceptionFilter' : "Nest's default filter"})`, async () => {
      const channel = uniqueChannel('nest-retry');
      const attempts: number[] = [];
      const logger = new RecordingLogger();
      await startService({
        url: redis.url,
        service: 'flaky',
        channels: [channel],
        controllers: [flakyController(attempts)],
        options: RETRY_FAST,
        filters: withFilter ? [new RedisStreamerExceptionFilter()] : [],
        logger,
      });
      await redis.streamer('pub').sendMessage(channel, { name: 'order.created', body: { orderId: 'A1' } });
      await waitFor(() => attempts.length === 3, 'three attempts');
      await settled(channel, `${channel}:flaky:cg`);
      assert.deepEqual(attempts, [1, 2, 3]);
      assert.deepEqual(await deadLetters(channel), []);
      const told = logger.lines.filter((l) => l.includes('register RedisStreamerExceptionFilter'));
      assert.equal(told.length, withFilter ? 0 : 1, 'without the filter, the transport says once how to keep errors');
    });
  }

  it('an UnrecoverableError is dead-lettered at once, with its own message', async () => {
    const channel = uniqueChannel('nest-unrecoverable');
    @Controller()
    class Refuses {
      @OnStreamEvent('order.created')
      created(_order: unknown): void {
        throw new UnrecoverableError('order A1 refers to a deleted customer');
      }
    }
    await startService({
      url: redis.url,
      service: 'refuses',
      channels: [channel],
      controllers: [Refuses],
      options: RETRY_FAST,
      filters: [new RedisStreamerExceptionFilter()],
    });
    await redis.streamer('pub').sendMessage(channel, { name: 'order.created', body: { orderId: 'A1' } });
    await waitFor(async () => (await deadLetters(channel)).length === 1, 'one dead letter');
    const [letter] = await deadLetters(channel);
    assert.equal(letter?.reason, 'unrecoverable');
    assert.equal(letter?.attempts, 1);
    assert.match(letter?.error ?? '', /order A1 refers to a deleted customer/);
  });
});

class OrderDto {
  @IsString()
  orderId!: string;

  @IsNumber()
  @Min(0)
  total!: number;
}

class Unretryable extends Error {}
class Ignorable extends Error {}

/** A user's filter that turns a domain error into an unrecoverable one. */
class GiveUp implements RpcExceptionFilter<Unretryable> {
  catch(exception: Unretryable): Observable<never> {
    return throwError(() => new UnrecoverableError(`gave up: ${exception.message}`));
  }
}
Catch(Unretryable)(GiveUp);

/** A user's filter that returns normally: the event then counts as handled. */
class Swallow implements RpcExceptionFilter<Ignorable> {
  static caught = 0;
  catch(): Observable<undefined> {
    Swallow.caught++;
    return of(undefined);
  }
}
Catch(Ignorable)(Swallow);

/** An interceptor that sees every event before and after its handler. */
class Around implements NestInterceptor {
  static readonly seen: string[] = [];
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const ctx = context.switchToRpc().getContext<RedisStreamerContext>();
    Around.seen.push(`before ${ctx.getEvent()}`);
    return next.handle().pipe(
      tap({
        complete: () => Around.seen.push(`after ${ctx.getEvent()}`),
        error: () => Around.seen.push(`failed ${ctx.getEvent()}`),
      }),
    );
  }
}

describe('NestJS transport: filters, pipes and interceptors take part', () => {
  it('a validation pipe refuses an invalid payload (dead-lettered at once, listing the problems) and hands a valid one as a DTO', async () => {
    const channel = uniqueChannel('nest-validate');
    const valid: OrderDto[] = [];
    @Controller()
    class Validated {
      @EventPattern('order.created')
      created(@Payload(new ValidationPipe({ expectedType: OrderDto, transform: true })) order: OrderDto): void {
        valid.push(order);
      }
    }
    await startService({
      url: redis.url,
      service: 'validated',
      channels: [channel],
      controllers: [Validated],
      options: RETRY_FAST,
      filters: [new RedisStreamerExceptionFilter()],
    });
    const pub = redis.streamer('pub');
    await pub.sendMessage(channel, { name: 'order.created', body: { orderId: 'A1', total: -5 } });
    await pub.sendMessage(channel, { name: 'order.created', body: { orderId: 'A2', total: 12 } });
    await waitFor(() => valid.length === 1, 'the valid order handled');
    await waitFor(async () => (await deadLetters(channel)).length === 1, 'the invalid one dead-lettered');
    assert.ok(valid[0] instanceof OrderDto, 'the pipe transformed the payload');
    assert.deepEqual({ ...valid[0] }, { orderId: 'A2', total: 12 });
    const [letter] = await deadLetters(channel);
    assert.equal(letter?.reason, 'unrecoverable');
    assert.equal(letter?.attempts, 1, 'not retried: a retry cannot make it valid');
    assert.match(letter?.error ?? '', /total must not be less than 0/);
    assert.deepEqual(letter?.body, { orderId: 'A1', total: -5 });
  });

  it("a user's filter may transform the error (dead-lettered at once) or return normally (handled, not retried); an interceptor sees each event", async () => {
    const channel = uniqueChannel('nest-filters');
    const calls: string[] = [];
    @Controller()
    @UseInterceptors(Around)
    class Filtered {
      @EventPattern('order.cancelled')
      @UseFilters(new GiveUp())
      cancelled(@Payload() order: { orderId: string }): void {
        calls.push(`cancelled ${order.orderId}`);
        throw new Unretryable(`order ${order.orderId} is already shipped`);
      }

      @EventPattern('order.viewed')
      @UseFilters(new Swallow())
      viewed(@Payload() order: { orderId: string }): void {
        calls.push(`viewed ${order.orderId}`);
        throw new Ignorable('a view of a deleted order');
      }
    }
    await startService({
      url: redis.url,
      service: 'filtered',
      channels: [channel],
      controllers: [Filtered],
      providers: [Around],
      options: RETRY_FAST,
      filters: [new RedisStreamerExceptionFilter()],
    });
    const pub = redis.streamer('pub');
    await pub.sendMessage(channel, { name: 'order.cancelled', body: { orderId: 'C1' } });
    await pub.sendMessage(channel, { name: 'order.viewed', body: { orderId: 'V1' } });
    await waitFor(async () => (await deadLetters(channel)).length === 1, 'the cancelled order dead-lettered');
    await settled(channel, `${channel}:filtered:cg`);
    await new Promise((r) => setTimeout(r, 200)); // room for a retry that must not come
    assert.deepEqual(calls, ['cancelled C1', 'viewed V1'], 'each handled once: neither retried');
    const [letter] = await deadLetters(channel);
    assert.equal(letter?.reason, 'unrecoverable');
    assert.match(letter?.error ?? '', /gave up: order C1 is already shipped/);
    assert.equal(Swallow.caught, 1);
    assert.deepEqual(Around.seen, [
      'before order.cancelled',
      'failed order.cancelled',
      'before order.viewed',
      'failed order.viewed',
    ]);
  });
});

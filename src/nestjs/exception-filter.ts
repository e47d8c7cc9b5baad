/**
 * An exception filter that hands a handler's own exception to the library, instead of Nest's
 * default `{ status: 'error', message: 'Internal server error' }`: the dead letter then says what
 * went wrong, and an `UnrecoverableError` (or a 4xx `HttpException` from a validation pipe) goes to
 * the dead-letter stream at once instead of being retried.
 */
import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';
import { RedisStreamerContext } from './context.js';

/**
 * Register it on the microservice, before filters of your own (a filter registered later, or on
 * a controller or method, is tried first):
 *
 * ```ts
 * const app = await NestFactory.createMicroservice(AppModule, { strategy: new RedisStreamerTransport({...}) });
 * app.useGlobalFilters(new RedisStreamerExceptionFilter());
 * ```
 *
 * On other transports' handlers it behaves as Nest's default RPC filter.
 */
export class RedisStreamerExceptionFilter extends BaseRpcExceptionFilter<unknown, unknown> {
  /** Rethrows the exception as it is for the redis-streamer transport; Nest's default elsewhere. */
  override catch(exception: unknown, host: ArgumentsHost): Observable<unknown> {
    if (host.getType() === 'rpc' && host.switchToRpc().getContext() instanceof RedisStreamerContext) {
      return throwError(() => exception);
    }
    return super.catch(exception, host);
  }
}

Catch()(RedisStreamerExceptionFilter);

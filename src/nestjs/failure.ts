/**
 * What a failed Nest handler becomes for the library's delivery guarantee. Nest runs a handler's
 * exception through its exception filters, so what reaches the transport is what the filter chain
 * produced:
 * - an Error (a filter that rethrows, such as RedisStreamerExceptionFilter): given to the library
 *   as it is, so an `UnrecoverableError` is dead-lettered at once and the dead letter carries the
 *   handler's own message; an `HttpException` with a 4xx status (a validation pipe's
 *   `BadRequestException`) becomes an `UnrecoverableError`, since a retry cannot change the verdict;
 * - anything else (Nest's default filter answers `{ status: 'error', message: 'Internal server
 *   error' }` and logs the original): a `HandlerError` carrying that value, retried like any failure.
 */
import { HttpException } from '@nestjs/common';
import { describeThrown, HandlerError, UnrecoverableError } from '../index.js';

/** Nest's default answer for an exception no filter handled. */
const NEST_DEFAULT = 'Internal server error';

/** The error the library gets for what a Nest handler's result stream errored with. */
export function deliveryFailure(value: unknown): Error {
  if (value instanceof HttpException) {
    const status = value.getStatus();
    if (status >= 400 && status < 500) {
      return new UnrecoverableError(`${httpMessage(value)} (HTTP ${status} from Nest: a retry cannot change it)`, {
        cause: value,
      });
    }
  }
  if (value instanceof Error) return value;
  return new HandlerError(
    `the handler failed with ${describeThrown(value)} (what it threw, or what an exception filter answered)`,
    [value],
  );
}

/**
 * Whether the value is the answer of Nest's default exception filter, which hides the handler's
 * own error (the transport then says once how to keep it).
 */
export function isNestDefaultAnswer(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { status?: unknown }).status === 'error' &&
    (value as { message?: unknown }).message === NEST_DEFAULT
  );
}

/** What an HttpException says: its response's message (a validation pipe lists each problem there). */
function httpMessage(exception: HttpException): string {
  const response = exception.getResponse();
  const detail =
    typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : undefined;
  if (Array.isArray(detail) && detail.length > 0) return `${exception.message}: ${detail.map(String).join('; ')}`;
  if (typeof detail === 'string' && detail !== exception.message) return `${exception.message}: ${detail}`;
  return exception.message;
}

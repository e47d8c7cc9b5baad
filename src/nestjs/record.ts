/**
 * An event's data with publish options, for `client.emit(pattern, record)`: an idempotency key
 * (appended once per key within the dedup window, retried safely after a failure in doubt) or
 * replica acknowledgements (resolve once that many replicas have it).
 */
import type { PublishOptions } from '../index.js';

/**
 * The data of an event plus how to publish it:
 *
 * ```ts
 * client.emit('order.created', new RedisStreamerRecord(order, { idempotencyKey: order.id, replicas: 1 }));
 * ```
 *
 * The handler gets `data` as its payload, and the key through `ctx.getIdempotencyKey()`.
 */
export class RedisStreamerRecord<T = unknown> {
  /**
   * @param data the event's body (written as JSON).
   * @param options see `PublishOptions`: `idempotencyKey`, `replicas`, `timeoutMs`.
   */
  constructor(
    readonly data: T,
    readonly options: PublishOptions = {},
  ) {}
}

/**
 * What a Nest handler learns about the entry besides its payload, through `@Ctx()`: the channel,
 * the entry id, the attempt, the idempotency key and the raw fields, as the library's
 * `MessageContext` has them.
 */
import { BaseRpcContext } from '@nestjs/microservices';
import type { MessageContext } from '../index.js';

/** The arguments a {@link RedisStreamerContext} holds: the event name and the library's context. */
export type RedisStreamerContextArgs = [event: string, message: MessageContext];

/**
 * The context of an event handled through the redis-streamer transport:
 *
 * ```ts
 * @EventPattern('order.created')
 * handle(@Payload() order: Order, @Ctx() ctx: RedisStreamerContext) {
 *   ctx.getChannel(); ctx.getId(); ctx.getAttempt(); ctx.getIdempotencyKey();
 * }
 * ```
 */
export class RedisStreamerContext extends BaseRpcContext<RedisStreamerContextArgs> {
  /** The event name (the entry's `name` field). */
  getEvent(): string {
    return this.args[0];
  }

  /** The channel (stream key) the entry was read from. */
  getChannel(): string {
    return this.args[1].channel;
  }

  /** The stream entry id (in the replay stream, for a replayed dead letter: see {@link getSource}). */
  getId(): string {
    return this.args[1].id;
  }

  /** The delivery attempt, from 1; above 1 only in at-least-once mode, on retries and reclaims. */
  getAttempt(): number {
    return this.args[1].attempt;
  }

  /** The idempotency key the event was published with, or undefined. */
  getIdempotencyKey(): string | undefined {
    return this.args[1].idempotencyKey;
  }

  /** The entry's fields other than `name` and `body` (metadata added by the producer). */
  getFields(): Readonly<Record<string, string>> {
    return this.args[1].fields;
  }

  /** The consumer group: `<channel>:<service>:cg`. */
  getGroup(): string {
    return this.args[1].group;
  }

  /** This consumer instance's name within the group. */
  getConsumer(): string {
    return this.args[1].consumer;
  }

  /** `channel`, or `replay` for a dead letter replayed to this service's group. */
  getSource(): 'channel' | 'replay' {
    return this.args[1].source;
  }

  /** The library's own context object, as a plain `registerHandler` handler gets it. */
  getMessageContext(): MessageContext {
    return this.args[1];
  }
}

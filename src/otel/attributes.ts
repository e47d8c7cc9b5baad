/**
 * The names this integration writes: span names, attribute keys and values of the OpenTelemetry
 * messaging semantic conventions (v1.44.0, status Development), and the few of its own, in the
 * `messaging.redis.*` namespace the conventions reserve for system-specific attributes.
 */
import { HandlerError } from '../index.js';

/** The version of the semantic conventions followed. */
export const SEMCONV_VERSION = '1.44.0';

/** `messaging.system`: the conventions register no value for Redis; FastStream uses `redis`. */
export const MESSAGING_SYSTEM = 'redis';

export const ATTR_SYSTEM = 'messaging.system';
export const ATTR_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_DESTINATION = 'messaging.destination.name';
export const ATTR_GROUP = 'messaging.consumer.group.name';
export const ATTR_MESSAGE_ID = 'messaging.message.id';
export const ATTR_CLIENT_ID = 'messaging.client.id';
export const ATTR_BATCH_COUNT = 'messaging.batch.message_count';
export const ATTR_ERROR_TYPE = 'error.type';

/** The delivery attempt, from 1 (as `messaging.gcp_pubsub.message.delivery_attempt`). */
export const ATTR_ATTEMPT = 'messaging.redis.message.delivery_attempt';
/** The event name of the message (its `name` field). */
export const ATTR_EVENT_NAME = 'messaging.redis.message.name';
/** `replay` for a dead letter replayed to the group (absent for an entry read from the channel). */
export const ATTR_SOURCE = 'messaging.redis.message.source';
/** A replayed entry's id in the group's replay stream (`messaging.message.id` is its id in the channel). */
export const ATTR_REPLAY_ID = 'messaging.redis.replay.entry_id';
/** Why an entry was dead-lettered (`max-attempts`, `handler-failed`, `unrecoverable`, a decode failure...). */
export const ATTR_DLQ_REASON = 'messaging.redis.dead_letter.reason';
/** The id of the record in the dead-letter stream. */
export const ATTR_DLQ_ID = 'messaging.redis.dead_letter.id';

/** Span events on a process span: what becomes of the entry. */
export const EVENT_ACK = 'messaging.redis.ack';
export const EVENT_RETRY = 'messaging.redis.retry';
export const EVENT_DEAD_LETTER = 'messaging.redis.dead_letter';

/** Operation names (`messaging.operation.name`) and their types. */
export const SEND = 'send';
export const CREATE = 'create';
export const PROCESS = 'process';
export const DEAD_LETTER = 'dead_letter';
export const SETTLE = 'settle';

/**
 * `error.type`: the class name of what failed (for a handler failure, of the first handler's
 * error), `_OTHER` for a thrown value that is not an Error. Low cardinality: a class name per kind
 * of failure.
 */
export function errorType(err: unknown): string {
  const inner = err instanceof HandlerError && err.errors.length > 0 ? err.errors[0] : err;
  if (!(inner instanceof Error)) return '_OTHER';
  return inner.name !== '' ? inner.name : '_OTHER';
}

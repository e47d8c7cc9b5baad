/**
 * What a publish may ask for beyond appending: an idempotency key (appended once within
 * `publishDedupWindowMs`, and sent again safely after a failure in doubt), and replica
 * acknowledgements (WAIT) before it resolves.
 */
import { ConfigError, InvalidMessageError } from '../errors.js';
import type { MessageLike } from '../message.js';
import { integer, string, timer } from '../rules.js';
import { checkOptions, type OptionsSpec } from '../validate.js';

/** Options of `sendMessage(channel, message, options)`. */
export interface PublishOptions extends BatchPublishOptions {
  /**
   * Publishes the message once per key and channel within `publishDedupWindowMs`: a second
   * publish with the same key appends nothing and resolves to the first one's id, so a publish
   * that failed in doubt (the connection dropped after the command was sent) is retried by the
   * library (`publishRetries`) and may be retried by the caller. Consumers see the key as
   * `context.idempotencyKey`. At most 512 characters.
   * @default undefined (no key: a failed publish is rejected and never sent again)
   */
  readonly idempotencyKey?: string;
}

/** Options of `sendMessages(channel, messages, options)`. */
export interface BatchPublishOptions {
  /**
   * Resolve only once this many replicas have the entries (Redis `WAIT`, sent right after the
   * append on a connection kept for such publishes). Fewer within `timeoutMs` rejects with a
   * `ReplicationError` that carries the ids: the entries are on the primary either way.
   * @default 0 (resolve when the primary has appended: replication is asynchronous)
   */
  readonly replicas?: number;
  /**
   * How long to wait for the replicas, in ms. Only with `replicas` (without, it is a ConfigError).
   * @default 1000
   */
  readonly timeoutMs?: number;
}

/** A message for `sendMessages`, optionally with its own idempotency key. */
export interface KeyedMessage extends MessageLike {
  /**
   * As `PublishOptions.idempotencyKey`, for this message of the batch.
   * @default undefined
   */
  readonly idempotencyKey?: string;
}

/** Longest idempotency key, in characters. */
export const MAX_KEY_LENGTH = 512;

/** A replica acknowledgement request, resolved. */
export interface ReplicaWait {
  readonly replicas: number;
  readonly timeoutMs: number;
}

/** The replica wait asked for, or undefined for none. */
export function replicaWait(options: BatchPublishOptions): ReplicaWait | undefined {
  const replicas = options.replicas ?? 0;
  return replicas === 0 ? undefined : { replicas, timeoutMs: options.timeoutMs ?? 1000 };
}

/** The idempotency key of a message, checked; undefined when it has none. */
export function keyOf(message: MessageLike, fromOptions?: string): string | undefined {
  const own = (message as KeyedMessage).idempotencyKey;
  if (fromOptions !== undefined && own !== undefined && own !== fromOptions) {
    throw new InvalidMessageError('the message and the options give two different idempotency keys: give one');
  }
  const key = fromOptions ?? own;
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key === '' || key.length > MAX_KEY_LENGTH) {
    throw new InvalidMessageError(
      `an idempotency key must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`,
    );
  }
  // A lone surrogate is sent as U+FFFD: two different keys would be one key in Redis.
  if (!key.isWellFormed()) {
    throw new InvalidMessageError('an idempotency key must be valid Unicode (it has a lone surrogate)');
  }
  return key;
}

/** The run-time checks (see validate.ts) of the publish options. */
const REPLICAS = { replicas: integer(0, 1000), timeoutMs: timer(1) };

const PUBLISH: OptionsSpec<PublishOptions> = {
  call: 'sendMessage()',
  argument: 'third',
  example: (got) => (typeof got === 'string' ? `{ idempotencyKey: ${JSON.stringify(got)} }` : '{ replicas: 1 }'),
  rules: { idempotencyKey: string(), ...REPLICAS },
};

const PUBLISH_BATCH: OptionsSpec<BatchPublishOptions> = {
  call: 'sendMessages()',
  argument: 'third',
  example: () => '{ replicas: 1, timeoutMs: 1000 }',
  rules: REPLICAS,
};

/** Checks the options of `sendMessage`. */
export function resolvePublishOptions(options: PublishOptions | undefined): PublishOptions {
  return checkReplicas(PUBLISH.call, checkOptions(PUBLISH, options));
}

/** Checks the options of `sendMessages`. */
export function resolveBatchPublishOptions(options: BatchPublishOptions | undefined): BatchPublishOptions {
  return checkReplicas(PUBLISH_BATCH.call, checkOptions(PUBLISH_BATCH, options));
}

/**
 * `timeoutMs` is how long WAIT waits: given without `replicas` it would be ignored, which is a
 * mistake. An explicit `replicas: 0` (a count read from configuration) is the caller's choice of
 * no wait, and the timeout is moot.
 */
function checkReplicas<T extends BatchPublishOptions>(call: string, options: T): T {
  if (options.timeoutMs !== undefined && options.replicas === undefined) {
    throw new ConfigError(
      `${call}: option \`timeoutMs\` is how long to wait for replicas, and no \`replicas\` are asked for: give \`replicas\` with it, or leave it out`,
    );
  }
  return options;
}

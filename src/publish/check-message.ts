/**
 * `checkMessage`: a message checked as a publish checks it, without Redis, and returned as it
 * would be written. For code that stores a message to publish it later (a transactional outbox
 * writes it into a database table in the caller's transaction): a message `sendMessage` would
 * refuse is refused there and then, and what is stored is exactly what a publish writes.
 */
import { ConfigError } from '../errors.js';
import { encodeMessage, type MessageLike } from '../message.js';
import { MAX_MESSAGE_BYTES } from '../option-specs.js';
import { libraryKeyMeaning, reservedChannel } from '../naming.js';
import { describe } from '../validate.js';
import { keyOf } from './publish-options.js';

/** Options of {@link checkMessage}. */
export interface CheckMessageOptions {
  /**
   * The largest message (name plus body, in UTF-8 bytes), as the streamer's `maxMessageBytes`
   * that will publish it (at most 536870912).
   * @default 1048576 (1 MiB, the streamer's default)
   */
  readonly maxMessageBytes?: number;
  /**
   * An idempotency key to check as `sendMessage` checks it (a non-empty string of at most 512
   * characters, valid Unicode). A `KeyedMessage`'s own `idempotencyKey` is checked too; giving two
   * different keys is an `InvalidMessageError`.
   * @default undefined (none)
   */
  readonly idempotencyKey?: string;
  /**
   * The channel the message is for, checked as `sendMessage` checks it: a non-empty string that is
   * not the name of one of the library's own keys (such as `{orders}:dlq`, the dead-letter stream
   * of `orders`).
   * @default undefined (not checked)
   */
  readonly channel?: string;
}

/** A message as a publish writes it. */
export interface CheckedMessage {
  /** The event name (the entry's `name` field). */
  readonly name: string;
  /**
   * The body as the JSON text of the entry's `body` field: compact, raw non-ASCII characters,
   * `toJSON` honoured, NaN and ±Infinity as the bare tokens dtpyfw writes (see `sendMessage`).
   */
  readonly body: string;
  /** The idempotency key checked, or undefined when none was given. */
  readonly idempotencyKey: string | undefined;
}

const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Checks a message exactly as `sendMessage` checks it before anything is sent (the name, the body
 * with every rule of the wire codec, the size, the idempotency key) and returns its name and its
 * body as the JSON text a publish writes. Needs no streamer and no Redis. The streamer's onPublish
 * hook is not run: the fields it adds are added when the message is published.
 *
 * @throws InvalidMessageError for a name that is not a string, a body the codec refuses (named by
 * its path, such as `body.items[2] is a Map`) or an invalid idempotency key.
 * @throws MessageTooLargeError above `maxMessageBytes`.
 * @throws ConfigError for options that are not an object, an unknown option, a `maxMessageBytes`
 * that is not an integer >= 1, or a `channel` `sendMessage` would refuse.
 */
export function checkMessage(message: MessageLike, options: CheckMessageOptions = {}): CheckedMessage {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('checkMessage(): its second argument must be an options object, such as { maxMessageBytes }');
  }
  for (const key of Object.keys(options)) {
    if (key !== 'maxMessageBytes' && key !== 'idempotencyKey' && key !== 'channel') {
      throw new ConfigError(
        `checkMessage(): unknown option \`${key}\` (it takes maxMessageBytes, idempotencyKey and channel)`,
      );
    }
  }
  if (options.channel !== undefined) {
    const { channel } = options;
    if (typeof channel !== 'string' || channel === '') {
      throw new ConfigError(`checkMessage(): option \`channel\` must be a non-empty string; got ${describe(channel)}`);
    }
    const meaning = libraryKeyMeaning(channel);
    if (meaning !== undefined) throw new ConfigError(`checkMessage(): ${reservedChannel(channel, meaning)}`);
  }
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_MESSAGE_BYTES) {
    throw new ConfigError(
      `checkMessage(): option \`maxMessageBytes\` must be an integer >= 1 and at most ${MAX_MESSAGE_BYTES}; got ${String(maxBytes)}`,
    );
  }
  // Without extra fields, encodeMessage writes exactly ['name', <name>, 'body', <json>].
  const [, name, , body] = encodeMessage(message, maxBytes) as [string, string, string, string];
  const idempotencyKey = keyOf(message, options.idempotencyKey);
  return { name, body, idempotencyKey };
}

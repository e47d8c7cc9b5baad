/**
 * A message as the stream fields it is published with: `name`, `body` (see encodeMessage), then
 * the fields the onPublish hook adds (a trace context, say). Every message is checked before any of
 * a batch is sent.
 */
import { HookError } from '../errors.js';
import type { StreamerHooks } from '../hooks.js';
import { encodeMessage, type MessageLike } from '../message.js';

/** Encodes one message for a channel. */
export type MessageEncoder = (channel: string, message: MessageLike) => string[];

/**
 * An encoder that runs the onPublish hook. A hook that throws fails the publish with a
 * {@link HookError} (the exception as its `cause`): the hook is there to add fields consumers rely
 * on (a trace context), so a message without them is not sent. Since every message of a batch is
 * encoded before any is sent, nothing of the batch is appended either.
 */
export function messageEncoder(hooks: StreamerHooks, maxMessageBytes: number): MessageEncoder {
  const onPublish = hooks.onPublish;
  if (onPublish === undefined) return (_channel, message) => encodeMessage(message, maxMessageBytes);
  return (channel, message) => {
    const fields: Record<string, string> = {};
    try {
      onPublish({ channel, message, fields });
    } catch (err) {
      throw new HookError('onPublish', err, `nothing was published to "${channel}"`);
    }
    return encodeMessage(message, maxMessageBytes, fields);
  };
}

/**
 * A message as the stream fields it is published with: `name`, `body` (see encodeMessage), then
 * the fields the aroundPublish and onPublish hooks add (a trace context, say). Every message is
 * checked before any of a batch is sent.
 */
import { HookError } from '../errors.js';
import type { PublishHooks } from '../extensions.js';
import { encodeMessage, type MessageLike } from '../message.js';

/** Encodes one message for a channel, with the fields an aroundPublish hook added (if any). */
export type MessageEncoder = (channel: string, message: MessageLike, fields?: Record<string, string>) => string[];

/**
 * An encoder that runs the onPublish hooks (read at each call: a hook set added with `use()` applies
 * from the next publish). A hook that throws fails the publish with a {@link HookError} (the
 * exception as its `cause`): the hook is there to add fields consumers rely on (a trace context), so
 * a message without them is not sent. Since every message of a batch is encoded before any is
 * sent, nothing of the batch is appended either.
 */
export function messageEncoder(hooks: PublishHooks, maxMessageBytes: number): MessageEncoder {
  return (channel, message, given) => {
    const onPublish = hooks.onPublish;
    if (onPublish === undefined) return encodeMessage(message, maxMessageBytes, given);
    const fields = given ?? {};
    try {
      onPublish({ channel, message, fields });
    } catch (err) {
      throw new HookError('onPublish', err, `nothing was published to "${channel}"`);
    }
    return encodeMessage(message, maxMessageBytes, fields);
  };
}

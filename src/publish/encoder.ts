/**
 * A message as the stream fields it is published with: `name`, `body` (see encodeMessage), then
 * the fields the onPublish hook adds (a trace context, say). Every message is checked before any of
 * a batch is sent.
 */
import type { StreamerHooks } from '../hooks.js';
import { encodeMessage, type MessageLike } from '../message.js';

/** Encodes one message for a channel. */
export type MessageEncoder = (channel: string, message: MessageLike) => string[];

/** An encoder that runs the onPublish hook (a hook that throws is reported, the message still goes). */
export function messageEncoder(
  hooks: StreamerHooks,
  maxMessageBytes: number,
  onHookError: (err: unknown, channel: string) => void,
): MessageEncoder {
  const onPublish = hooks.onPublish;
  if (onPublish === undefined) return (_channel, message) => encodeMessage(message, maxMessageBytes);
  return (channel, message) => {
    const fields: Record<string, string> = {};
    try {
      onPublish({ channel, message, fields });
    } catch (err) {
      onHookError(err, channel);
    }
    return encodeMessage(message, maxMessageBytes, fields);
  };
}

/**
 * A message made into an outbox row: run through the `validate` hook (a typed channel's schema),
 * then checked by the library's own encoder (`checkMessage`, as `sendMessage` checks it), so a row
 * the relay could not publish is refused before its INSERT, in the caller's transaction.
 */
import { checkMessage, ConfigError, InvalidMessageError, RedisStreamerError, type KeyedMessage } from '../index.js';

/**
 * Checks a body before it is stored: throw to refuse it (an error of the library's passes as it
 * is, any other becomes an `InvalidMessageError`), return the body to store (a schema's output),
 * or return `undefined` to store the body as given. May be async.
 */
export type OutboxValidate = (channel: string, name: string, body: unknown) => unknown;

/** A row's values, as stored. */
export interface RowValues {
  readonly name: string;
  /** The body's JSON text, as the encoder writes it. */
  readonly body: string;
  readonly idempotencyKey: string | null;
}

/** What checking needs: the largest message, and the hook. */
export interface RowRules {
  readonly maxMessageBytes: number;
  readonly validate: OutboxValidate | undefined;
}

/** Checks a channel name as `sendMessage` does. */
export function checkChannel(channel: unknown): string {
  if (typeof channel !== 'string' || channel === '') {
    throw new ConfigError(`a channel name must be a non-empty string, got ${JSON.stringify(channel)}`);
  }
  return channel;
}

/** One message as a row, checked (see the file's comment). */
export async function toRow(
  rules: RowRules,
  channel: string,
  message: KeyedMessage,
  idempotencyKey?: string,
): Promise<RowValues> {
  if (message === null || typeof message !== 'object') {
    throw new InvalidMessageError('a message must be a Message or an object { name, body }');
  }
  if (typeof message.name !== 'string') {
    throw new InvalidMessageError(`message name must be a string, got ${typeof message.name}`);
  }
  let body: unknown = message.body;
  if (rules.validate !== undefined) {
    const output = await runValidate(rules.validate, channel, message.name, body);
    if (output !== undefined) body = output;
  }
  const own = message.idempotencyKey;
  const keyed: KeyedMessage = { name: message.name, body, ...(own === undefined ? {} : { idempotencyKey: own }) };
  const checked = checkMessage(keyed, {
    maxMessageBytes: rules.maxMessageBytes,
    channel,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  });
  refuseNonJson(channel, checked.name, checked.body);
  return { name: checked.name, body: checked.body, idempotencyKey: checked.idempotencyKey ?? null };
}

async function runValidate(validate: OutboxValidate, channel: string, name: string, body: unknown): Promise<unknown> {
  try {
    return await validate(channel, name, body);
  } catch (err) {
    if (err instanceof RedisStreamerError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new InvalidMessageError(`validate refused message "${name}" for "${channel}": ${why}`, {
      cause: err,
    });
  }
}

/**
 * The encoder writes NaN and ±Infinity as bare tokens (as dtpyfw does); PostgreSQL's json type
 * refuses them, so such a body is refused here with a message that says what to do. Only a body
 * whose text holds those words is parsed.
 */
function refuseNonJson(channel: string, name: string, body: string): void {
  if (!body.includes('NaN') && !body.includes('Infinity')) return;
  try {
    JSON.parse(body);
  } catch {
    throw new InvalidMessageError(
      `message "${name}" for "${channel}": its body holds NaN or Infinity, which the outbox's json column cannot store; send null or a string instead, or publish it with sendMessage`,
    );
  }
}

/**
 * Validating messages before they are published to a channel with a contract: the event name must
 * be one the contract lists and the body must match its schema. The schema's output is what is
 * written (transforms and defaults applied). Nothing of a call or of a batch is sent unless every
 * message passes; the error lists every issue with its path (and, in a batch, the message's index).
 */
import { InvalidMessageError, type SchemaIssue } from '../errors.js';
import type { MessageLike } from '../message.js';
import type { AnyChannelContract } from './channel.js';
import { describeIssues, issuesOf, knownEvents, runSchema, schemaOf, type SchemaResult } from './check.js';

/** How a message fared: the schema's output, or its issues. */
type Checked = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly issues: SchemaIssue[] };

/** Validates one message; synchronous when the schema is. */
export function checkOutgoing<M extends MessageLike>(contract: AnyChannelContract, message: M): M | Promise<M> {
  const checked = check(contract, message);
  if (checked instanceof Promise) return checked.then((c) => outgoing(contract, message, c));
  return outgoing(contract, message, checked);
}

/** Validates every message of a batch; synchronous when every schema answered synchronously. */
export function checkOutgoingBatch<M extends MessageLike>(
  contract: AnyChannelContract,
  messages: readonly M[],
): M[] | Promise<M[]> {
  const checked = messages.map((m) => check(contract, m));
  if (checked.some((c) => c instanceof Promise)) {
    return Promise.all(checked.map(async (c) => c)).then((all) => finishBatch(contract, messages, all));
  }
  return finishBatch(contract, messages, checked as Checked[]);
}

function finishBatch<M extends MessageLike>(
  contract: AnyChannelContract,
  messages: readonly M[],
  checked: readonly Checked[],
): M[] {
  const issues: SchemaIssue[] = [];
  checked.forEach((c, i) => {
    if (!c.ok) for (const issue of c.issues) issues.push({ ...issue, path: join(`[${i}]`, issue.path) });
  });
  if (issues.length > 0) {
    throw new InvalidMessageError(
      `nothing of the batch was published to "${contract.name}": ${describeIssues(issues)}`,
      { issues },
    );
  }
  return messages.map((m, i) => withBody(m, (checked[i] as { value: unknown }).value));
}

function check(contract: AnyChannelContract, message: MessageLike): Checked | Promise<Checked> {
  if (message === null || typeof message !== 'object' || typeof message.name !== 'string') {
    // The encoder says what a message must be; here only the name matters.
    return { ok: false, issues: [{ path: '', message: 'a message must be an object { name, body }' }] };
  }
  const schema = schemaOf(contract, message.name);
  if (schema === undefined) {
    const text = `event "${message.name}" is not in the contract of channel "${contract.name}" (it lists ${knownEvents(contract)})`;
    return { ok: false, issues: [{ path: '', message: text }] };
  }
  const result = runSchema(schema, message.body);
  return result instanceof Promise ? result.then(checkedOf) : checkedOf(result);
}

function checkedOf(result: SchemaResult): Checked {
  return result.issues ? { ok: false, issues: issuesOf(result) } : { ok: true, value: result.value };
}

function outgoing<M extends MessageLike>(contract: AnyChannelContract, message: M, checked: Checked): M {
  if (checked.ok) return withBody(message, checked.value);
  const name = typeof message?.name === 'string' ? ` "${message.name}"` : '';
  throw new InvalidMessageError(
    `nothing was published to "${contract.name}": the message${name} does not match the contract: ${describeIssues(checked.issues)}`,
    { issues: checked.issues },
  );
}

/** The message with the schema's output as its body (a new plain object; the caller's is untouched). */
function withBody<M extends MessageLike>(message: M, body: unknown): M {
  if (body === message.body) return message;
  const key = (message as { idempotencyKey?: unknown }).idempotencyKey;
  return (key === undefined ? { name: message.name, body } : { name: message.name, body, idempotencyKey: key }) as M;
}

function join(prefix: string, path: string): string {
  if (path === '') return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

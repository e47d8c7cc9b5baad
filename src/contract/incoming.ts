/**
 * Validating an entry read from a channel with a contract, before its handlers run: the event name
 * must be one the contract lists (else the contract's `unknownEvents` decides) and the body must
 * match its schema; the handlers get the schema's output. Synchronous when the schema is, with no
 * object made per message beyond what the schema makes and the entry with its new body.
 */
import { DecodeError } from '../errors.js';
import type { DecodedEntry } from '../message.js';
import type { AnyChannelContract } from './channel.js';
import { describeIssues, issuesOf, knownEvents, runSchema, schemaOf, type SchemaResult } from './check.js';

/** An entry the contract says to settle without handling (an event name it does not list). */
export const IGNORED: unique symbol = Symbol('ignored');

/** An entry against its contract: valid (with the schema's output as body), refused, or ignored. */
export type Admitted = DecodedEntry | DecodeError | typeof IGNORED;

/** Checks a decoded entry against the channel's contract. */
export function checkIncoming(contract: AnyChannelContract, decoded: DecodedEntry): Admitted | Promise<Admitted> {
  const schema = schemaOf(contract, decoded.name);
  if (schema === undefined) {
    if (contract.unknownEvents === 'ignore') return IGNORED;
    const message = `event "${decoded.name}" is not in the contract of channel "${contract.name}" (it lists ${knownEvents(contract)})`;
    return new DecodeError('unknown-event', message);
  }
  const result = runSchema(schema, decoded.body);
  if (result instanceof Promise) return result.then((r) => admitted(contract, decoded, r));
  return admitted(contract, decoded, result);
}

function admitted(contract: AnyChannelContract, decoded: DecodedEntry, result: SchemaResult): Admitted {
  if (!result.issues) {
    return result.value === decoded.body ? decoded : { name: decoded.name, body: result.value, fields: decoded.fields };
  }
  const issues = issuesOf(result);
  const message = `the body of "${decoded.name}" does not match the contract of channel "${contract.name}": ${describeIssues(issues)}`;
  return new DecodeError('schema', message, { issues });
}

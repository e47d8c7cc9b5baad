/**
 * Validating an entry read from a channel with a contract, before its handlers run: the event name
 * must be one the contract lists (else the contract's `unknownEvents` decides) and the body must
 * match its schema; the handlers get the schema's output. Synchronous when the schema is, so a
 * batch costs no promise per message.
 */
import { DecodeError } from '../errors.js';
import type { DecodedEntry } from '../message.js';
import type { AnyChannelContract } from './channel.js';
import { checkBody, describeIssues, knownEvents, schemaOf, type Checked } from './check.js';

/** An entry against its contract: valid (with the schema's output as body), refused, or to be ignored. */
export type Admitted =
  | { readonly kind: 'valid'; readonly decoded: DecodedEntry }
  | { readonly kind: 'refused'; readonly error: DecodeError }
  | { readonly kind: 'ignored' };

const IGNORED: Admitted = Object.freeze({ kind: 'ignored' });

/** Checks a decoded entry against the channel's contract. */
export function checkIncoming(contract: AnyChannelContract, decoded: DecodedEntry): Admitted | Promise<Admitted> {
  const schema = schemaOf(contract, decoded.name);
  if (schema === undefined) {
    if (contract.unknownEvents === 'ignore') return IGNORED;
    const message = `event "${decoded.name}" is not in the contract of channel "${contract.name}" (it lists ${knownEvents(contract)})`;
    return { kind: 'refused', error: new DecodeError('unknown-event', message) };
  }
  const checked = checkBody(schema, decoded.body);
  if (checked instanceof Promise) return checked.then((c) => admitted(contract, decoded, c));
  return admitted(contract, decoded, checked);
}

function admitted(contract: AnyChannelContract, decoded: DecodedEntry, checked: Checked): Admitted {
  if (checked.ok) {
    const valid = checked.value === decoded.body ? decoded : { ...decoded, body: checked.value };
    return { kind: 'valid', decoded: valid };
  }
  const message = `the body of "${decoded.name}" does not match the contract of channel "${contract.name}": ${describeIssues(checked.issues)}`;
  return { kind: 'refused', error: new DecodeError('schema', message, { issues: checked.issues }) };
}

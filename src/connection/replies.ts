/**
 * Checks of the replies of stream commands, at the client boundary: a reply of another shape is an
 * {@link UnexpectedReplyError} instead of a cast that would pass `undefined` along. The checks
 * allocate nothing, so a batch of a thousand entries costs a loop of type tests.
 */
import { UnexpectedReplyError } from '../errors.js';
import type { RawEntry } from './port.js';

function isEntry(value: unknown): value is RawEntry {
  if (!Array.isArray(value) || typeof value[0] !== 'string') return false;
  const fields: unknown = value[1];
  if (!Array.isArray(fields)) return false;
  for (const field of fields) if (typeof field !== 'string') return false;
  return true;
}

/** Whether a value is a list of stream entries `[[id, [field, value, ...]], ...]`. */
export function isEntries(value: unknown): value is RawEntry[] {
  if (!Array.isArray(value)) return false;
  for (const entry of value) if (!isEntry(entry)) return false;
  return true;
}

/** The entries of the one stream an XREAD/XREADGROUP reply is about (none when it is null). */
export function entriesOfStreamReply(reply: unknown, command: string): RawEntry[] {
  if (reply === null) return [];
  if (Array.isArray(reply)) {
    const stream: unknown = reply[0];
    if (stream === undefined) return [];
    if (Array.isArray(stream) && isEntries(stream[1])) return stream[1];
  }
  throw new UnexpectedReplyError(`${command}: expected [[stream, entries]] or nil`);
}

/** A bulk-string reply. */
export function stringReply(reply: unknown, command: string): string {
  if (typeof reply === 'string') return reply;
  throw new UnexpectedReplyError(`${command}: expected a string`);
}

/** An integer reply. */
export function intReply(reply: unknown, command: string): number {
  if (typeof reply === 'number' && Number.isInteger(reply)) return reply;
  throw new UnexpectedReplyError(`${command}: expected an integer`);
}

/** A bulk-string or nil reply. */
export function nullableStringReply(reply: unknown, command: string): string | null {
  if (reply === null || typeof reply === 'string') return reply;
  throw new UnexpectedReplyError(`${command}: expected a string or nil`);
}

/** The entries of an XRANGE/XREVRANGE reply. */
export function entriesReply(reply: unknown, command: string): RawEntry[] {
  if (isEntries(reply)) return reply;
  throw new UnexpectedReplyError(`${command}: expected a list of entries`);
}

/** The fields, as raw bytes, of the one entry an XRANGE reply holds, or null when it has none. */
export function rawFieldsReply(reply: unknown, command: string): Buffer[] | null {
  if (Array.isArray(reply)) {
    const entry: unknown = reply[0];
    if (entry === undefined) return null;
    if (Array.isArray(entry) && Array.isArray(entry[1])) {
      const fields: unknown[] = entry[1];
      if (isBuffers(fields)) return fields;
    }
  }
  throw new UnexpectedReplyError(`${command}: expected one entry with byte fields`);
}

function isBuffers(values: unknown[]): values is Buffer[] {
  return values.every((v) => Buffer.isBuffer(v));
}

/** Each stream of an XREAD reply with the id of its first entry (none for nil). */
export function firstIdsOfStreamsReply(reply: unknown, command: string): Array<[string, string]> {
  if (reply === null) return [];
  if (Array.isArray(reply)) {
    const out: Array<[string, string]> = [];
    for (const stream of reply as unknown[]) {
      if (!Array.isArray(stream) || typeof stream[0] !== 'string' || !isEntries(stream[1])) break;
      const first = stream[1][0];
      if (first !== undefined) out.push([stream[0], first[0]]);
    }
    if (out.length === reply.length || reply.length === 0) return out;
  }
  throw new UnexpectedReplyError(`${command}: expected [[stream, entries], ...] or nil`);
}

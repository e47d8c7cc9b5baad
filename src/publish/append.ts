/**
 * One atomic append of a chunk of entries to a channel: publish-1.lua, or publish-keyed-3.lua when
 * an entry carries an idempotency key (the keys' check, the append and the keys' records in one
 * step), optionally followed by WAIT on a connection kept for that.
 */
import type { RedisPort } from '../connection/port.js';
import { ReplicationError } from '../errors.js';
import { IDEMPOTENCY_FIELD } from '../message.js';
import { publishKeys } from '../naming.js';
import { scripts } from '../scripts/index.js';
import type { ReplicaWait } from './publish-options.js';

/** An encoded entry and its idempotency key, if any (the script adds it to the entry's fields). */
export interface Outgoing {
  readonly fields: readonly string[];
  readonly key: string | undefined;
}

/** What an append did: each entry's id, and the positions (0-based) of keyed entries already there. */
export interface Appended {
  readonly ids: string[];
  readonly repeated: ReadonlySet<number>;
}

const NONE: ReadonlySet<number> = new Set();

/**
 * Appends the entries (all or none). With `wait`, the write goes through `port` (a connection WAIT
 * may block), and fewer replicas than asked is a {@link ReplicationError} carrying the ids; so is a
 * WAIT that failed after the append (refused, or its connection dropped once the script's reply
 * was in), with WAIT's error as its cause: the entries are appended, whatever became of WAIT.
 */
export async function appendChunk(
  port: RedisPort,
  channel: string,
  entries: readonly Outgoing[],
  windowMs: number,
  wait: ReplicaWait | undefined,
): Promise<Appended> {
  const keyed = entries.some((e) => e.key !== undefined);
  const keys = keyed ? [channel, ...publishKeys(channel)] : [channel];
  const args = entryArgs(keyed ? keyedArgs(entries, windowMs) : [entries.length], entries);
  if (wait === undefined) {
    return keyed
      ? keyedResult(await scripts.publishKeyed.run(port, keys, args))
      : plain(await scripts.publish.run(port, keys, args));
  }
  const { reply, waited } = keyed
    ? await scripts.publishKeyed
        .runThenWait(port, keys, args, wait)
        .then((r) => ({ ...r, reply: keyedResult(r.reply) }))
    : await scripts.publish.runThenWait(port, keys, args, wait).then((r) => ({ ...r, reply: plain(r.reply) }));
  if (typeof waited !== 'number') {
    throw new ReplicationError(channel, reply.ids, 0, wait.replicas, wait.timeoutMs, waited);
  }
  if (waited < wait.replicas) {
    throw new ReplicationError(channel, reply.ids, waited, wait.replicas, wait.timeoutMs);
  }
  return reply;
}

/**
 * `head`, then per entry its pair count (negated for a keyed entry) and its fields: one array of
 * the final size (a batch of 1,000 entries has about 5,000 arguments; pushed one by one, the array
 * was copied each time it grew).
 */
function entryArgs(head: ReadonlyArray<string | number>, entries: readonly Outgoing[]): Array<string | number> {
  let size = head.length;
  for (const { fields } of entries) size += 1 + fields.length;
  const args = new Array<string | number>(size);
  let at = 0;
  for (const value of head) args[at++] = value;
  for (const { fields, key } of entries) {
    args[at++] = key === undefined ? fields.length / 2 : -fields.length / 2;
    for (const value of fields) args[at++] = value;
  }
  return args;
}

/**
 * The arguments of publish-keyed-3.lua before the entries: the keys first (looked up in one call;
 * their count negated when two are the same). The entries follow, a keyed entry's pair count
 * negated.
 */
function keyedArgs(entries: readonly Outgoing[], windowMs: number): Array<string | number> {
  const given: string[] = [];
  for (const { key } of entries) if (key !== undefined) given.push(key);
  const repeats = given.length > 1 && new Set(given).size < given.length;
  const args: Array<string | number> = [
    windowMs,
    IDEMPOTENCY_FIELD,
    entries.length,
    repeats ? -given.length : given.length,
  ];
  for (const key of given) args.push(key);
  return args;
}

function plain(ids: string[]): Appended {
  return { ids, repeated: NONE };
}

function keyedResult([ids, repeated]: [string[], number[]]): Appended {
  return { ids, repeated: new Set(repeated.map((position) => position - 1)) };
}

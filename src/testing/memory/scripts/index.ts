/**
 * The twins of the library's Lua scripts, by script name (the `.lua` file's name without `-<keys>`),
 * and {@link runScript}: a script run on the store as Redis runs it (atomically, with string
 * arguments, its reply converted as Redis converts a Lua reply).
 */
import { ReplyError, type Reply } from '../reply.js';
import type { MemoryStore } from '../store/store.js';
import { ack } from './ack.js';
import { ackUnlessRetrying } from './ack-unless-retrying.js';
import { consumerHygiene } from './consumer-hygiene.js';
import { createGroup } from './create-group.js';
import { deadLetter } from './dead-letter.js';
import { dlqReplay } from './dlq-replay.js';
import { forgetGroup, goneGroups } from './forget-group.js';
import { groupStats } from './group-stats.js';
import { guardAfterRead, guardBeforeRead, guardedRead } from './guards.js';
import { inspectChannel } from './inspect-channel.js';
import { leaseRenew } from './lease-renew.js';
import { ledgerRecord, ledgerReserve, ledgerTrim } from './ledger.js';
import { scriptRedis } from './lua.js';
import { noteFailure } from './note-failure.js';
import { publish } from './publish.js';
import { publishKeyed } from './publish-keyed.js';
import { reclaim } from './reclaim.js';
import { recoverOwn } from './recover-own.js';
import { retention } from './retention.js';
import { retryOrphans } from './retry-orphans.js';
import type { Twin } from './twin.js';

export type { Twin } from './twin.js';

/** Every twin, by script name. */
export const TWINS: ReadonlyMap<string, Twin> = new Map<string, Twin>([
  ['ack', ack],
  ['ack-unless-retrying', ackUnlessRetrying],
  ['consumer-hygiene', consumerHygiene],
  ['create-group', createGroup],
  ['dead-letter', deadLetter],
  ['dlq-replay', dlqReplay],
  ['forget-group', forgetGroup],
  ['gone-groups', goneGroups],
  ['group-stats', groupStats],
  ['guard-after-read', guardAfterRead],
  ['guard-before-read', guardBeforeRead],
  ['guarded-read', guardedRead],
  ['inspect-channel', inspectChannel],
  ['lease-renew', leaseRenew],
  ['ledger-record', ledgerRecord],
  ['ledger-reserve', ledgerReserve],
  ['ledger-trim', ledgerTrim],
  ['note-failure', noteFailure],
  ['publish', publish],
  ['publish-keyed', publishKeyed],
  ['reclaim', reclaim],
  ['recover-own', recoverOwn],
  ['retention', retention],
  ['retry-orphans', retryOrphans],
]);

/** A Lua number as Redis replies with it: truncated to an integer. Arrays are converted in place. */
function asRedisReply(reply: Reply): Reply {
  if (typeof reply === 'number') return Number.isInteger(reply) ? reply : Math.trunc(reply);
  if (Array.isArray(reply)) {
    for (let i = 0; i < reply.length; i++) {
      const item = reply[i] as Reply;
      if (typeof item !== 'string') reply[i] = asRedisReply(item);
    }
  }
  return reply;
}

/** A script argument as Redis hands it to Lua: a string as it is, a number written in decimal. */
function convert(a: string | number): string {
  return typeof a === 'string' ? a : Number.isInteger(a) ? a.toFixed(0) : String(a);
}

/**
 * Runs the twin of script `name` on the store, atomically: `keys` and `args` as Redis hands them
 * to Lua (numbers written as strings). Throws a {@link ReplyError} as the script would fail; an
 * unknown name is NOSCRIPT (Redis' answer for a script it does not have).
 */
export function runScript(
  store: MemoryStore,
  name: string,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Reply {
  const twin = TWINS.get(name);
  if (twin === undefined) throw new ReplyError(`NOSCRIPT No matching script (no in-memory twin of "${name}")`);
  const argv = new Array<string>(args.length);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string | number;
    // A safe integer's String() is its toFixed(0), and small ones come from V8's number-string cache.
    argv[i] = typeof a === 'string' || !Number.isSafeInteger(a) ? convert(a) : String(a);
  }
  return store.atomically(() => asRedisReply(twin.run(scriptRedis(store), keys, argv)));
}

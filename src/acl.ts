/**
 * The least Redis ACL rules the library needs, by role, for `ACL SETUSER <user> on ><password>
 * <rules...>`: the commands it sends (directly and from its Lua scripts, which run with the
 * caller's rights) and the keys of the channels it works on. A user without one of them gets a
 * NOPERM error naming the command; the library reports it, and a refused transaction or script
 * changes nothing.
 */
import { slotPrefix } from './naming.js';

/** What a service does with Redis. */
export type AclRole = 'consumer' | 'publisher' | 'monitor';

/** Options of {@link aclRules}. */
export interface AclOptions {
  /** The role. */
  readonly role: AclRole;
  /**
   * The channels (stream names) the user works on; a trailing `*` is a pattern (`orders.*`).
   * @default ['*'] (every key)
   */
  readonly channels?: readonly string[];
  /**
   * The consumer uses dtpyfw's ledger (`dedupGuard: 'ledger'`): its ZSET keys are needed too.
   * @default false
   */
  readonly ledger?: boolean;
  /**
   * The publisher asks for replica acknowledgements (`sendMessage(..., { replicas })`: WAIT).
   * @default false
   */
  readonly waitForReplicas?: boolean;
}

/**
 * What ioredis sends on every connection: login and name, INFO (its ready check), and on a cluster
 * CLUSTER SLOTS and CLUSTER INFO (the slot map and its ready check).
 */
const CONNECTION = ['+ping', '+info', '+client|setname', '+select', '+cluster|slots', '+cluster|info'];

/**
 * Publishing; for idempotency keys, what publish-keyed-3.lua runs on the two generations of records
 * `{channel}:idem` and `{channel}:idem:prev` (hashes), and TIME (the window runs on the server's
 * clock).
 */
const PUBLISH = ['+xadd', '+evalsha', '+eval', '+time', '+hmget', '+hset', '+exists', '+unlink', '+rename', '+pexpire'];

const CONSUME = [
  '+multi',
  '+exec',
  '+evalsha',
  '+eval',
  '+evalsha_ro',
  '+eval_ro',
  '+script|load',
  '+xreadgroup',
  '+xread',
  '+xack',
  '+xclaim',
  '+xpending',
  '+xrange',
  '+xrevrange',
  '+xadd',
  '+xdel',
  '+xtrim',
  '+xlen',
  '+xinfo|groups',
  '+xinfo|consumers',
  '+xgroup|create',
  '+xgroup|setid',
  '+xgroup|delconsumer',
  '+get',
  '+set',
  '+del',
  '+exists',
  '+hget',
  '+hset',
  '+hdel',
  '+hexists',
  '+hkeys',
  '+hscan',
  '+time',
  '+client|id',
  '+client|unblock',
  '+config|get',
];

const LEDGER = ['+zadd', '+zcount', '+zremrangebyrank'];

const MONITOR = [
  '+xread', // tail: follows a channel with XREAD BLOCK, without a group
  '+evalsha_ro',
  '+eval_ro',
  '+xinfo|groups',
  '+xinfo|consumers',
  '+xinfo|stream',
  '+xpending',
  '+xlen',
  '+xrange',
  '+xrevrange',
  '+exists',
  '+hget',
  '+time',
  '+scan',
  '+type',
];

/**
 * The rules for a role, such as
 * `['resetchannels', '-@all', '+ping', ..., '~orders', '~{orders}:*']`. Give them to
 * `ACL SETUSER <user> on ><password> ...rules`.
 */
export function aclRules(options: AclOptions): string[] {
  const channels = options.channels ?? ['*'];
  const commands =
    options.role === 'publisher'
      ? [...PUBLISH, ...(options.waitForReplicas === true ? ['+wait'] : [])]
      : options.role === 'monitor'
        ? MONITOR
        : // A consuming service publishes too (idempotent publishes included).
          [...CONSUME, ...PUBLISH, ...(options.ledger === true ? LEDGER : [])];
  const keys = channels.flatMap((channel) => keysOf(channel, options));
  const read = options.role === 'monitor' ? '%R~' : '~';
  return ['resetchannels', '-@all', ...new Set([...CONNECTION, ...commands]), ...keys.map((k) => `${read}${k}`)];
}

function keysOf(channel: string, options: AclOptions): string[] {
  if (channel === '*') return ['*'];
  // The channel's own keys carry its hash tag: {orders}:dlq, {orders}:guard:<group>, ...; a
  // publisher needs only the records of idempotency keys.
  const keys = [channel, options.role === 'publisher' ? `${slotPrefix(channel)}:idem*` : `${slotPrefix(channel)}:*`];
  if (options.role === 'consumer' && options.ledger === true) keys.push(`stream:${channel}:group:*`);
  return keys;
}

/**
 * The least Redis ACL rules the library needs, by role, for `ACL SETUSER <user> on ><password>
 * <rules...>`: the commands it sends (directly and from its Lua scripts, which run with the
 * caller's rights) and the keys of the channels it works on. A user without one of them gets a
 * NOPERM error naming the command; the library reports it, and a refused transaction or script
 * changes nothing.
 */
import { ConfigError } from './errors.js';
import { slotPrefix } from './naming.js';
import { boolean, oneOf, stringList } from './rules.js';
import { checkOptions, type OptionsSpec } from './validate.js';

/** What a service does with Redis. */
export type AclRole = 'consumer' | 'publisher' | 'monitor';

/** Options of {@link aclRules}. */
export interface AclOptions {
  /**
   * The role: `consumer` (consumes, retries, dead-letters and publishes: reads and writes its
   * channels), `publisher` (appends only) or `monitor` (reads only: the Inspector, the CLI's read
   * commands, the dashboard in read-only mode). Required, and never guessed: an unknown role is a
   * ConfigError, not the consumer's rights.
   */
  readonly role: AclRole;
  /**
   * The channels (stream names) the user works on; a trailing `*` is a pattern (`orders.*`).
   * @default ['*'] (every key)
   */
  readonly channels?: readonly string[];
  /**
   * The consumer uses dtpyfw's ledger (`dedupGuard: 'ledger'`): its ZSET keys are needed too. For
   * the consumer role only.
   * @default false
   */
  readonly ledger?: boolean;
  /**
   * The service asks for replica acknowledgements (`sendMessage(..., { replicas })`: WAIT). For
   * the publisher and consumer roles (a consumer publishes too).
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

/** The commands of each role. */
const COMMANDS: Readonly<Record<AclRole, (options: AclOptions) => readonly string[]>> = {
  publisher: (o) => [...PUBLISH, ...(o.waitForReplicas === true ? ['+wait'] : [])],
  monitor: () => MONITOR,
  // A consuming service publishes too (idempotent publishes included, and WAIT when asked).
  consumer: (o) => [
    ...CONSUME,
    ...PUBLISH,
    ...(o.ledger === true ? LEDGER : []),
    ...(o.waitForReplicas === true ? ['+wait'] : []),
  ],
};

/** The run-time checks (see validate.ts) of `aclRules` options. */
const ROLES = ['consumer', 'publisher', 'monitor'] as const;
const NO_SUCH_ROLE =
  "there is no such role: 'consumer' reads and writes its channels, 'publisher' appends to them, 'monitor' only reads";

const ACL: OptionsSpec<AclOptions> = {
  call: 'aclRules()',
  argument: 'first',
  example: (got) =>
    `{ role: ${typeof got === 'string' && (ROLES as readonly string[]).includes(got) ? `'${got}'` : "'consumer'"}, channels: ['orders'] }`,
  required: ['role'],
  rules: {
    // Never a default: a typo must not give a read-only tool a consumer's write rights.
    role: oneOf(ROLES, {
      readonly: "the read-only role is 'monitor'",
      read: "the read-only role is 'monitor'",
      reader: "the read-only role is 'monitor'",
      viewer: "the read-only role is 'monitor'",
      producer: "the role that only appends is 'publisher'",
      subscriber: "the role that consumes is 'consumer'",
      admin: NO_SUCH_ROLE,
      readwrite: NO_SUCH_ROLE,
      writer: NO_SUCH_ROLE,
      all: NO_SUCH_ROLE,
    }),
    channels: stringList('a non-empty array of channel names, such as ["orders"] (a trailing * is a pattern)'),
    ledger: boolean(),
    waitForReplicas: boolean(),
  },
};

/**
 * The rules for a role, such as
 * `['resetchannels', '-@all', '+ping', ..., '~orders', '~{orders}:*']`. Give them to
 * `ACL SETUSER <user> on ><password> ...rules`.
 * @throws ConfigError when the options are wrong: no role or an unknown one (never taken as some
 *   role), an unknown key, `channels` not an array of names, or an option the role does not use.
 */
export function aclRules(options: AclOptions): string[] {
  const o = checkOptions(ACL, options);
  if (o.ledger === true && o.role !== 'consumer') {
    throw new ConfigError(
      `aclRules(): option \`ledger\` is for the consumer role (it writes dtpyfw's ledger), not '${o.role}'`,
    );
  }
  if (o.waitForReplicas === true && o.role === 'monitor') {
    throw new ConfigError("aclRules(): option `waitForReplicas` is for roles that publish, not 'monitor'");
  }
  const channels = o.channels ?? ['*'];
  const keys = channels.flatMap((channel) => keysOf(channel, o));
  const read = o.role === 'monitor' ? '%R~' : '~';
  return [
    'resetchannels',
    '-@all',
    ...new Set([...CONNECTION, ...COMMANDS[o.role](o)]),
    ...keys.map((k) => `${read}${k}`),
  ];
}

function keysOf(channel: string, options: AclOptions): string[] {
  if (channel === '*') return ['*'];
  // The channel's own keys carry its hash tag: {orders}:dlq, {orders}:guard:<group>, ...; a
  // publisher needs only the records of idempotency keys.
  const keys = [channel, options.role === 'publisher' ? `${slotPrefix(channel)}:idem*` : `${slotPrefix(channel)}:*`];
  if (options.role === 'consumer' && options.ledger === true) keys.push(`stream:${channel}:group:*`);
  return keys;
}

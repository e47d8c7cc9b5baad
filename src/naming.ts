/**
 * Every name this library derives (listener, consumer group, consumer instance, Redis keys) is built
 * here, so the wire contract with dtpyfw lives in one place.
 *
 * dtpyfw rules (as dtpyfw 0.6.x names things; see the README, "Working with dtpyfw"):
 * - listener = sanitize(consumerName, 128)
 * - group    = `<channel>:<listener>:cg` (the channel is used verbatim)
 * - instance = sanitize(`<listener>.<sanitize(host, 64)>.<pid>.<8 hex>`, 200)
 * - ledger   = `stream:<channel>:group:<group>:processed`
 *
 * Keys that only this library writes (dead letters, the O(1) dedup guard, retry metadata) carry the
 * channel's cluster hash tag, so a Lua script touching the stream and such a key stays in one slot.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ConfigError } from './errors.js';
import { describe } from './validate.js';

const UNSAFE = /[^a-zA-Z0-9._:-]+/g;

/**
 * Checks an argument of one of the exported functions below (for plain JavaScript callers): a
 * string, non-empty unless `empty`.
 */
function text(call: string, what: string, value: unknown, empty = false): string {
  if (typeof value === 'string' && (empty || value !== '')) return value;
  throw new ConfigError(`${call}: ${what} must be a ${empty ? '' : 'non-empty '}string; got ${describe(value)}`);
}

/**
 * dtpyfw's sanitize: each run of characters outside `[a-zA-Z0-9._:-]` becomes one `-`, then the
 * result is cut to `maxLen` characters. `undefined`, `null` and `''` give `''`.
 * @throws ConfigError when `value` is another non-string, or `maxLen` not an integer >= 0.
 */
export function sanitize(value: string | null | undefined, maxLen: number): string {
  if (!Number.isInteger(maxLen) || maxLen < 0) {
    throw new ConfigError(`sanitize(): maxLen (second argument) must be an integer >= 0; got ${describe(maxLen)}`);
  }
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') {
    throw new ConfigError(
      `sanitize(): the value (first argument) must be a string (null and undefined give ''); got ${describe(value)}`,
    );
  }
  return value.replace(UNSAFE, '-').slice(0, maxLen);
}

/** The service name: the name given sanitized and cut to 128 characters. */
export function serviceName(consumerName: string): string {
  return sanitize(text('serviceName()', 'the consumer name', consumerName), 128);
}

/**
 * Checks a service name and sanitizes it as dtpyfw does. A name whose sanitized form has no letter
 * or digit is refused: two such names (`注文サービス` and `請求サービス` both become `-`) would
 * share one consumer group without anyone noticing.
 */
export function checkServiceName(service: unknown): { readonly sanitized: string; readonly changed: boolean } {
  if (typeof service !== 'string' || service === '') {
    const got = describe(service);
    throw new ConfigError(
      `new RedisStreamer(): the service name (second argument) must be a non-empty string; got ${got}`,
    );
  }
  const sanitized = serviceName(service);
  if (!/[a-zA-Z0-9]/.test(sanitized)) {
    throw new ConfigError(
      `the service name "${service}" becomes "${sanitized}" once sanitized (only a-z, A-Z, 0-9, ".", "_", ":" and "-" are kept): it needs a letter or a digit, or two services could share one consumer group`,
    );
  }
  return { sanitized, changed: sanitized !== service };
}

/** The consumer group of one service on one channel: `<channel>:<listener>:cg`. */
export function groupName(channel: string, listener: string): string {
  text('groupName()', 'the channel (first argument)', channel);
  text('groupName()', 'the listener (second argument)', listener);
  return `${channel}:${listener}:cg`;
}

/** The host part of an instance name: env `POD_NAME`, else env `HOSTNAME`, else the OS host name. */
export function hostIdentity(env: NodeJS.ProcessEnv = process.env): string {
  return env['POD_NAME'] || env['HOSTNAME'] || hostname();
}

/**
 * The consumer (instance) name used in XREADGROUP: `<listener>.<host>.<pid>.<8 hex>`, sanitized and
 * cut to 200 characters. A fresh random suffix is drawn for every streamer instance.
 */
export function instanceName(
  listener: string,
  host: string = hostIdentity(),
  pid: number = process.pid,
  suffix: string = randomUUID().slice(0, 8),
): string {
  const call = 'instanceName()';
  text(call, 'the listener (first argument)', listener);
  text(call, 'the host (second argument)', host, true);
  if (!Number.isInteger(pid) || pid < 0) {
    throw new ConfigError(`${call}: the pid (third argument) must be an integer >= 0; got ${describe(pid)}`);
  }
  text(call, 'the suffix (fourth argument)', suffix);
  return sanitize([listener, sanitize(host, 64), String(pid), suffix].join('.'), 200);
}

/** dtpyfw's dedup ledger (a ZSET of entry ids scored in ms) for one group on one channel. */
export function ledgerKey(channel: string, group: string): string {
  text('ledgerKey()', 'the channel (first argument)', channel);
  text('ledgerKey()', 'the group (second argument)', group);
  return `stream:${channel}:group:${group}:processed`;
}

/**
 * The cluster hash tag Redis uses for `key`: the text between the first `{` and the first `}` after
 * it, when that text is not empty. `undefined` when the key has no such tag.
 */
export function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close <= open + 1) return undefined;
  return key.slice(open + 1, close);
}

/**
 * The prefix that puts an auxiliary key in the same cluster slot as the stream `channel`:
 * - a channel with a hash tag keeps it (`{app}.orders` gives `{app}.orders`);
 * - a channel without one is wrapped (`orders` gives `{orders}`), which hashes the whole name as
 *   Redis does for the stream itself.
 * A channel that contains `}` but no valid tag cannot be wrapped; it keeps its own name and
 * {@link isSlotSafe} reports `false` for it.
 */
export function slotPrefix(channel: string): string {
  if (hashTag(channel) !== undefined) return channel;
  if (!channel.includes('}')) return `{${channel}}`;
  return channel;
}

/** Whether the auxiliary keys of `channel` are guaranteed to share the stream's cluster slot. */
export function isSlotSafe(channel: string): boolean {
  return hashTag(channel) !== undefined || !channel.includes('}');
}

/**
 * Whether a channel's auxiliary keys share its slot; on a cluster, a channel whose keys cannot is a
 * {@link ConfigError} (the library's scripts could not run there), elsewhere only worth a warning.
 */
export function slotSafeOn(channel: string, cluster: boolean): boolean {
  if (isSlotSafe(channel)) return true;
  if (!cluster) return false;
  throw new ConfigError(
    `channel "${channel}" contains "}" without a hash tag: on a Redis Cluster its dead-letter, guard and retry keys would land in other slots than the stream, and the library's scripts could not run; rename it, or give it a hash tag ({app}.orders)`,
  );
}

/** The dead-letter stream of a channel, in the channel's slot: `{orders}:dlq`. */
export function deadLetterKey(channel: string): string {
  return `${slotPrefix(text('deadLetterKey()', 'the channel', channel))}:dlq`;
}

/** The O(1) dedup guard (high-water mark of handed-out ids) of one group, in the channel's slot. */
export function guardKey(channel: string, group: string): string {
  return `${slotPrefix(channel)}:guard:${group}`;
}

/** First-failure times of entries awaiting a retry in one group, in the channel's slot. */
export function retryKey(channel: string, group: string): string {
  return `${slotPrefix(channel)}:retries:${group}`;
}

/** Failure records of entries of a group's replay stream (kept apart: ids of two streams may meet). */
export function replayRetryKey(channel: string, group: string): string {
  return `${slotPrefix(channel)}:retries:${group}:replay`;
}

/**
 * A group's replay stream: dead letters replayed to that group only (the channel itself is left
 * alone, so other groups, dtpyfw's included, never see a replay). In the channel's slot.
 */
export function replayKey(channel: string, group: string): string {
  return `${slotPrefix(channel)}:replay:${group}`;
}

/**
 * Where the idempotency keys of publishes to `channel` are remembered, in the channel's slot: two
 * generations of a hash from key to the id of the entry it appended, the current one
 * (`{orders}:idem`) and the previous one (`{orders}:idem:prev`), dropped when the current one is a
 * window old (see publish-keyed-3.lua).
 */
export function publishKeys(channel: string): readonly [current: string, previous: string] {
  const current = `${slotPrefix(channel)}:idem`;
  return [current, `${current}:prev`];
}

/**
 * The library's streams beside a channel are `<its slot prefix>:<suffix>`: its dead letters
 * (`dlq`), and a replay stream per group (`replay:<group>`, a group being `<channel>:<service>:cg`).
 */
const STREAM_SUFFIX = /^(?:dlq|replay:.+:cg)$/;

/**
 * When `name` is one of this library's own streams beside a channel (its dead-letter stream, or the
 * replay stream of one of its groups): what it is, to refuse it as a channel name, since a channel
 * of that name would mix its events with them silently (`dlq list` would show them, `dlq purge`
 * delete them). `undefined` for any other name. (The library's other keys are not streams: a
 * channel named as one of them fails loudly, with WRONGTYPE.)
 */
export function libraryKeyMeaning(name: string): string | undefined {
  if (!name.includes(':')) return undefined;
  // A prefix as slotPrefix writes one (a hash tag, or a `}` that no tag could wrap) and a suffix.
  for (let end = name.indexOf(':'); end >= 0; end = name.indexOf(':', end + 1)) {
    const prefix = name.slice(0, end);
    const suffix = name.slice(end + 1);
    if (!prefix.includes('}') || !STREAM_SUFFIX.test(suffix)) continue;
    const owner = /^\{([^}]+)\}$/.exec(prefix)?.[1] ?? prefix;
    const what = suffix === 'dlq' ? 'the dead-letter stream' : 'the replay stream of a group';
    return `${what} of channel "${owner}"`;
  }
  return undefined;
}

/** Whether a stream key is one of this library's own streams beside a channel (see {@link libraryKeyMeaning}). */
export function isAuxiliaryStream(key: string): boolean {
  return libraryKeyMeaning(key) !== undefined;
}

/** The refusal of a channel named as one of the library's keys (see {@link libraryKeyMeaning}). */
export function reservedChannel(channel: string, meaning: string): string {
  return `the channel "${channel}" is the name of ${meaning}: a channel of that name would mix with it; pick another name`;
}

/** When this library created or first saw each group of a channel (staleness starts from there). */
export function groupsKey(channel: string): string {
  return `${slotPrefix(channel)}:groups`;
}

/** The Redis Cluster hash slot of a key (CRC16/XMODEM of its hash tag, or of the whole key, mod 16384). */
export function keySlot(key: string): number {
  const bytes = Buffer.from(hashTag(key) ?? key);
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

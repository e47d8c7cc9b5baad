/**
 * Finding the primary through Sentinel, on every (re)connect, as ioredis does: the sentinels are
 * asked in turn (SENTINEL GET-MASTER-ADDR-BY-NAME, each given 1 s: a sentinel that accepts
 * connections but answers nothing must not hold the reconnect), and the server they name is checked
 * to be a primary (INFO replication) before the connection is used. A crashed primary drops the
 * connections, which then find the new one. A connection that still reaches a demoted primary gets
 * READONLY: it is cut and finds the new one (the command is not re-sent: it fails, and is reported).
 *
 * A planned failover (SENTINEL FAILOVER) does not fence the old primary: what it accepts until the
 * sentinels demote it is lost when it resyncs; only `min-replicas-to-write 1` on the server refuses
 * those writes (see ioredis-options.ts and test/scale-out/sentinel.test.ts, which measures both).
 */
import { AuthError, ConnectionError } from '../errors.js';
import { isReplyError, replyCode, sanitized } from './node-redis-errors.js';
import { askOnce, NoAnswerError } from './node-redis-ask.js';
import { isUnknownPrimaryReply, sentinelsUnusable, type NodeFailure } from './diagnosis.js';
import type { Target } from './node-redis-connection.js';
import { addressText, clientOptions, type Address, type Login } from './node-redis-options.js';
import type { NodeRedisClientOptions } from './node-redis-library.js';

/** How long a sentinel may take to say where the primary is before the next one is asked. */
const SENTINEL_TIMEOUT_MS = 1000;

/** What a Sentinel target needs. */
export interface SentinelSpec {
  readonly sentinels: readonly Address[];
  readonly primaryName: string;
  /** How to log in to the sentinels (TLS as for the primary). */
  readonly sentinelLogin: Login;
  /** `primary "name" via sentinels ...`, for messages. */
  readonly endpoint: string;
  /** The primary's client options once its address is known. */
  readonly primaryOptions: (address: Address) => NodeRedisClientOptions;
}

/** The target of a connection to the primary the sentinels name. */
export function sentinelTarget(spec: SentinelSpec): Target {
  let next = 0;
  return {
    async resolve(stop, warn) {
      const asked: Array<[Address, Error]> = [];
      for (let i = 0; i < spec.sentinels.length && !stop.aborted; i++) {
        const index = (next + i) % spec.sentinels.length;
        const sentinel = spec.sentinels[index] as Address;
        try {
          const address = await askSentinel(sentinel, spec, stop, warn);
          next = index; // ask the one that answered first next time
          return spec.primaryOptions(address);
        } catch (err) {
          asked.push([sentinel, err instanceof Error ? err : new Error(String(err))]);
        }
      }
      throw noAnswer(spec, asked);
    },
    async verify(send) {
      const info = await send(['INFO', 'replication']);
      const role = typeof info === 'string' ? /^role:(\w+)/m.exec(info)?.[1] : undefined;
      if (role !== undefined && role !== 'master') {
        throw new Error(`the server the sentinels named for "${spec.primaryName}" is not a primary (role: ${role})`);
      }
    },
    wrongServer: (err) => err.message.startsWith('READONLY'),
  };
}

/** The sentinel did not know the primary (a nil reply). */
class UnknownPrimary extends Error {}

/** Asks one sentinel where the primary is; rejects when it cannot tell within the timeout. */
async function askSentinel(
  sentinel: Address,
  spec: SentinelSpec,
  stop: AbortSignal,
  warn: (message: string) => void,
): Promise<Address> {
  const options = clientOptions(sentinel, spec.sentinelLogin, { connectTimeoutMs: SENTINEL_TIMEOUT_MS });
  const reply = await askOnce(
    options,
    ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', spec.primaryName],
    SENTINEL_TIMEOUT_MS,
    stop,
    warn,
    `sentinel ${addressText(sentinel)}`,
  );
  if (!Array.isArray(reply) || typeof reply[0] !== 'string' || typeof reply[1] !== 'string') {
    throw new UnknownPrimary(`sentinel ${addressText(sentinel)} does not know a primary named "${spec.primaryName}"`);
  }
  return { host: reply[0], port: Number(reply[1]) };
}

/**
 * Why no sentinel told where the primary is: a refused login when every one refused it, else what
 * each said (diagnosis.ts: the same words as the ioredis adapter's).
 */
function noAnswer(spec: SentinelSpec, asked: ReadonlyArray<readonly [Address, Error]>): Error {
  const errors = asked.map(([, err]) => err);
  const last = errors[errors.length - 1];
  const refused = errors.length > 0 && errors.every((e) => isReplyError(e) && isLoginRefusal(e));
  const user = spec.sentinelLogin.username || 'default';
  if (refused && last !== undefined) return new AuthError(spec.endpoint, user, `the sentinels: ${last.message}`);
  const failures = asked.map(([sentinel, err]) => failureOf(addressText(sentinel), err));
  const error = sentinelsUnusable(spec.endpoint, spec.primaryName, failures);
  return last === undefined ? error : new ConnectionError(error.endpoint, error.message, { cause: sanitized(last) });
}

/** What one sentinel said. */
function failureOf(node: string, err: Error): NodeFailure {
  if (err instanceof UnknownPrimary || isUnknownPrimaryReply(err.message)) return { node, kind: 'unknown-primary' };
  // ioredis' words for a sentinel that did not answer in time: either adapter says the same.
  if (err instanceof NoAnswerError) return { node, kind: 'failed', reason: 'Command timed out' };
  return { node, kind: 'failed', reason: err.message };
}

function isLoginRefusal(err: Error): boolean {
  const code = replyCode(err);
  return code === 'WRONGPASS' || code === 'NOAUTH' || /'auth'/i.test(err.message);
}

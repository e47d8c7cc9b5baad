/**
 * The start of one node-redis connection: connect (log-in, name, database), then the target's
 * check, within the connect timeout. A login the server does not need (its default user has no
 * password) is dropped with a warning and the connection made again without it, as ioredis does,
 * so the same settings connect on both clients.
 */
import { isLoginNotNeededReply, NO_ANSWER_CAUSES } from './diagnosis.js';
import type { NodeRedisClient, NodeRedisClientOptions } from './node-redis-library.js';

/** What a handshake checks a new connection with (a connection's settings). */
export interface HandshakeSettings {
  readonly connectTimeoutMs: number;
  readonly target: { verify?(send: (args: readonly string[]) => Promise<unknown>): Promise<void> };
}

/** Connects `client` and checks the server, within the connect timeout. */
export async function handshake(client: NodeRedisClient, settings: HandshakeSettings): Promise<void> {
  const { connectTimeoutMs, target } = settings;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    const message = `no answer within ${connectTimeoutMs} ms (${NO_ANSWER_CAUSES})`;
    timer = setTimeout(() => reject(new Error(message)), connectTimeoutMs);
  });
  const connecting = (async () => {
    await client.connect();
    await target.verify?.((args) => client.sendCommand(args));
  })();
  connecting.catch(() => {}); // a late failure after a timeout
  try {
    await Promise.race([connecting, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The options without the part of their login the server refused as not needed, when `err` (a
 * handshake's failure) says so, with the warning to report once connected; `undefined` for any
 * other failure, or options that had no login. A server that needs no password loses both user and
 * password; a Redis before 6 (no ACL users) that refused a user name loses the user name only, so a
 * password it needs (`requirepass`) is still sent. `who` names the server in the warning.
 */
export function withoutUnneededLogin(
  options: NodeRedisClientOptions,
  err: unknown,
  who = 'Redis',
): { readonly options: NodeRedisClientOptions; readonly warning: string } | undefined {
  if (options.password === undefined || !(err instanceof Error) || !isLoginNotNeededReply(err.message))
    return undefined;
  // (node-redis adds a credentialsProvider made of them to the options it is given: dropped too.)
  const {
    password,
    username,
    credentialsProvider: _c,
    ...rest
  } = options as NodeRedisClientOptions & {
    credentialsProvider?: unknown;
  };
  if (isUserRefusedReply(err.message)) {
    if (username === undefined) return undefined;
    return {
      options: { ...rest, ...(password === undefined ? {} : { password }) },
      warning: `${who} refused the user name (${err.message}): logged in with the password only`,
    };
  }
  return { options: rest, warning: `${who} did not take the login (${err.message}): connected without it` };
}

/** Redis before 6 answers AUTH with a user name so: it knows passwords only. */
function isUserRefusedReply(message: string): boolean {
  return message.includes("wrong number of arguments for 'auth' command");
}

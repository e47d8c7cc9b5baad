/**
 * One question to one server on a connection opened for it and closed after the answer: where the
 * primary is (a sentinel), what the slot map is (a cluster node). Bounded in time, and stopped at
 * once when the connection that asks is closed.
 */
import { withoutUnneededLogin } from './node-redis-handshake.js';
import { nodeRedis, type NodeRedisClientOptions } from './node-redis-library.js';
import { socketsReleased } from './node-redis-sockets.js';

/** The server did not answer within the time given. */
export class NoAnswerError extends Error {
  override readonly name = 'NoAnswerError';
}

/**
 * Sends `command` on a new connection; rejects after `timeoutMs` ({@link NoAnswerError}) or on `stop`.
 * A login the server does not need is dropped, and the question asked again without it (as the
 * connections themselves do: node-redis-handshake.ts); `warn` hears of it, naming the server `who`.
 */
export async function askOnce(
  options: NodeRedisClientOptions,
  command: readonly string[],
  timeoutMs: number,
  stop: AbortSignal,
  warn: (message: string) => void = () => {},
  who = 'Redis',
): Promise<unknown> {
  try {
    return await ask(options, command, timeoutMs, stop);
  } catch (err) {
    const plain = withoutUnneededLogin(options, err, who);
    if (plain === undefined || stop.aborted) throw err;
    const reply = await ask(plain.options, command, timeoutMs, stop);
    warn(plain.warning);
    return reply;
  }
}

async function ask(
  options: NodeRedisClientOptions,
  command: readonly string[],
  timeoutMs: number,
  stop: AbortSignal,
): Promise<unknown> {
  if (stop.aborted) throw new Error('closed');
  const client = nodeRedis().createClient(options);
  client.on('error', () => {}); // the failure is the rejection below
  let timer: NodeJS.Timeout | undefined;
  let onStop: (() => void) | undefined;
  const cut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswerError(`no answer within ${timeoutMs} ms`)), timeoutMs);
    onStop = () => reject(new Error('closed'));
    stop.addEventListener('abort', onStop, { once: true });
  });
  const asking = (async () => {
    await client.connect();
    return client.sendCommand(command);
  })();
  asking.catch(() => {});
  try {
    return await Promise.race([asking, cut]);
  } finally {
    clearTimeout(timer);
    if (onStop !== undefined) stop.removeEventListener('abort', onStop);
    client.destroy();
    await socketsReleased();
  }
}

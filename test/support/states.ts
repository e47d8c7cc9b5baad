/**
 * States a test waits on instead of sleeping a fixed time: consume loops waiting in a blocked
 * command (CLIENT LIST), a group's pending count and lag, an event. Each polls through `waitFor`,
 * so it returns as soon as the state holds, however loaded the machine.
 */
import type { Redis } from 'ioredis';
import { waitFor } from './harness.js';

/** One connection of CLIENT LIST: its name and whether it is blocked in a command now (flag b). */
interface ClientLine {
  readonly name: string;
  readonly blocked: boolean;
}

function clientLines(list: string): ClientLine[] {
  return list
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => ({
      name: /\bname=(\S*)/.exec(line)?.[1] ?? '',
      blocked: (/\bflags=(\S+)/.exec(line)?.[1] ?? '').includes('b'),
    }));
}

/**
 * The connections of `service` that consume loops wait on (`redis-streamer:<service>:channel:<name>`
 * for a channel with a connection of its own, `redis-streamer:<service>:waits:<n>` for channels that
 * share one), each with whether it is blocked now.
 */
function waitLines(list: string, service: string): ClientLine[] {
  const prefix = `redis-streamer:${service}:`;
  return clientLines(list).filter(
    (c) => c.name.startsWith(`${prefix}channel:`) || c.name.startsWith(`${prefix}waits:`),
  );
}

/** The wait connections of `service` now (see waitLines), each with whether it is blocked. */
export async function waitConnectionsOf(client: Redis, service: string): Promise<ClientLine[]> {
  return waitLines(String(await client.client('LIST')), service);
}

/**
 * Waits until every consume loop of `service` waits for new entries: at least `atLeast` of its wait
 * connections exist, each is blocked in its XREAD (CLIENT LIST flag b), and for `quietLooks` looks
 * in a row (20 ms apart) the server ran nothing but the looks themselves: a loop still reading, or
 * a channel joining a shared wait (which unblocks and re-sends it), runs commands. One look is a
 * CLIENT LIST and an INFO on `client`; nothing else may use `client` meanwhile.
 */
export async function waitUntilWaiting(
  client: Redis,
  service: string,
  { atLeast = 1, quietLooks = 3, timeoutMs = 10_000 } = {},
): Promise<void> {
  let previous: number | undefined;
  let quiet = 0;
  let seen: ClientLine[] = [];
  await waitFor(
    async () => {
      seen = waitLines(String(await client.client('LIST')), service);
      const total = Number(/total_commands_processed:(\d+)/.exec(await client.info('stats'))?.[1]);
      // Since the last look's INFO: that INFO, this look's CLIENT LIST, and nothing else.
      const idle = previous !== undefined && total - previous === 2;
      previous = total;
      quiet = idle && seen.length >= atLeast && seen.every((c) => c.blocked) ? quiet + 1 : 0;
      return quiet >= quietLooks;
    },
    `every consume loop of ${service} waiting (at least ${atLeast}); last seen ${JSON.stringify(seen)}`,
    timeoutMs,
  );
}

/** Waits until the connection named `name` (CLIENT SETNAME) is blocked in a command (CLIENT LIST flag b). */
export async function waitForBlocked(client: Redis, name: string, timeoutMs?: number): Promise<void> {
  await waitFor(
    async () => clientLines(String(await client.client('LIST'))).some((c) => c.name === name && c.blocked),
    `${name} blocked in a command`,
    timeoutMs,
  );
}

/** How many entries of `group` on `stream` are delivered and not acknowledged (XPENDING). */
export async function pendingCount(client: Redis, stream: string, group: string): Promise<number> {
  const [count] = (await client.xpending(stream, group)) as [number | string];
  return Number(count);
}

/** How many entries of `stream` `group` has not read yet (XINFO GROUPS `lag`). */
export async function groupLag(client: Redis, stream: string, group: string): Promise<number | null> {
  const groups = (await client.xinfo('GROUPS', stream)) as unknown[][];
  const fields = groups.find((g) => g[g.indexOf('name') + 1] === group);
  if (fields === undefined) throw new Error(`no group ${group} on ${stream}`);
  const lag = fields[fields.indexOf('lag') + 1];
  return lag === null ? null : Number(lag);
}

/** Waits until `group` has `count` entries pending. */
export async function waitForPending(
  client: Redis,
  stream: string,
  group: string,
  count: number,
  timeoutMs?: number,
): Promise<void> {
  await waitFor(
    async () => (await pendingCount(client, stream, group)) === count,
    `${count} pending in ${group}`,
    timeoutMs,
  );
}

/** Anything with on/off, typed events or not (RedisStreamer, an EventEmitter). */
interface Emitter {
  on(event: never, listener: never): unknown;
  off(event: never, listener: never): unknown;
}

/** How nextEvent calls on/off: with its own event name and listener. */
type Subscribe<T> = (event: string, listener: (value: T) => void) => unknown;

/**
 * The next `event` of `emitter` whose first argument satisfies `accept`; rejects after `timeoutMs`.
 * Call it before the action that should emit, await it after.
 */
export function nextEvent<T = unknown>(
  emitter: Emitter,
  event: string,
  accept: (value: T) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<T> {
  const on = emitter.on.bind(emitter) as Subscribe<T>;
  const off = emitter.off.bind(emitter) as Subscribe<T>;
  return new Promise((resolve, reject) => {
    const listener = (value: T): void => {
      if (!accept(value)) return;
      clearTimeout(timer);
      off(event, listener);
      resolve(value);
    };
    const timer = setTimeout(() => {
      off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for the event ${event}`));
    }, timeoutMs);
    on(event, listener);
  });
}

/** The server's clock, in ms (TIME): what entry ids, ledger scores and the library's windows use. */
export async function serverTimeMs(client: Redis): Promise<number> {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/**
 * Waits until the server's clock is past `ms` (an age the library measures on the server, such as
 * a dedup window or a retention, has run out), looking every 20 ms.
 */
export async function waitForServerTime(client: Redis, ms: number, what: string, timeoutMs?: number): Promise<void> {
  await waitFor(async () => (await serverTimeMs(client)) > ms, `${what} (server time past ${ms})`, timeoutMs);
}

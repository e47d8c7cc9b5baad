/**
 * What differs between an ioredis client to one server (standalone, or the primary Sentinel points
 * to) and an ioredis `Cluster` client, behind one small interface, so the port above is written
 * once. The kind of client is chosen once, when the connection is opened.
 *
 * - A transaction on one server is MULTI/EXEC written as plain commands sent back to back (cheaper
 *   than ioredis' multi() object); on a cluster it is `multi()`, which ioredis sends to the node
 *   that owns the keys' slot.
 * - A script that runs inside a transaction must be loaded beforehand on the node that runs it:
 *   on the connection's server, or on every primary of a cluster.
 * - CLIENT UNBLOCK needs the id of the connection blocked in a wait: known on one server; a
 *   cluster client has a connection per node, so its waits are ended by cutting it instead.
 *
 * Every call takes a {@link WriteProbe}: it is set when one of the call's commands is handed to a
 * socket. ioredis queues a command issued while its connection is not ready (its offline queue) and
 * writes it once a connection is ready again, so whether a failed command may have run is known
 * only from what happened to it, never from the state when it was issued.
 */
import type { Cluster, Command, Redis } from 'ioredis';
import { ioredis } from './ioredis-library.js';
import { UnexpectedReplyError } from '../errors.js';

/** A command: its name and arguments. */
export type CommandArgs = readonly [name: string, ...args: Array<string | number>];

/** One command's reply in a transaction: its value, or the error Redis answered it with. */
export type TransactionReply = unknown;

/** Set to true once any command of a call was handed to a socket (it may then have run). */
export interface WriteProbe {
  written: boolean;
}

/**
 * Makes `probe` follow `command`: ioredis calls `toWritable` exactly when it writes a command to a
 * socket (or to a pipeline's buffer, written as one), never while the command waits in a queue.
 */
function follow(command: Command, probe: WriteProbe): void {
  const toWritable = command.toWritable.bind(command);
  command.toWritable = (socket) => {
    probe.written = true;
    return toWritable(socket);
  };
}

/** Follows every command of an ioredis pipeline or transaction (resent ones are the same objects). */
function followAll(pipeline: object, probe: WriteProbe): void {
  const queue = (pipeline as { _queue?: unknown })._queue;
  if (!Array.isArray(queue)) {
    probe.written = true; // cannot be followed: presumed written, never wrongly "not sent"
    return;
  }
  for (const command of queue) if (command instanceof ioredis().Command) follow(command, probe);
}

/** The client-kind-specific operations the port needs. */
export interface Link {
  /** The client, for its lifecycle events and status. */
  readonly client: Redis | Cluster;
  /** Sends one command (routed by its keys on a cluster). */
  call(probe: WriteProbe, name: string, ...args: Array<string | number>): Promise<unknown>;
  /** Sends one command whose reply is wanted as raw bytes. */
  callBuffer(probe: WriteProbe, name: string, ...args: Array<string | number>): Promise<unknown>;
  /**
   * Runs commands in MULTI/EXEC. Resolves to each command's reply (an Error for one that failed
   * when EXEC ran it); rejects with the error EXEC got (for EXECABORT: the first queued command's
   * own error, which is the real cause).
   */
  transaction(commands: readonly CommandArgs[], probe: WriteProbe): Promise<TransactionReply[]>;
  /**
   * Sends commands in one write, without a transaction, to one server (on a cluster: the node that
   * owns the first keyed command's slot, keyless commands going along). Resolves to each reply, or
   * the Error Redis answered it with.
   */
  pipeline(commands: readonly CommandArgs[], probe: WriteProbe): Promise<unknown[]>;
  /** Loads a script where transactions will run it. */
  loadScript(lua: string, probe: WriteProbe): Promise<void>;
  /**
   * Whether a script must be loaded before a transaction that runs it is sent: on one connection a
   * SCRIPT LOAD sent just before is executed before it; a cluster's nodes may not be connected yet.
   */
  readonly loadBeforeUse: boolean;
  /** Calls `onChange` when the servers behind the client change (a node added or gone, a failover). */
  onServersChanged(onChange: () => void): void;
  /** The connection's CLIENT ID, or undefined when its waits cannot be ended with CLIENT UNBLOCK. */
  clientId(probe: WriteProbe): Promise<number | undefined>;
  /** Calls `onData` whenever a reply's data arrives on any of the client's sockets. */
  onSocketData(onData: () => void): void;
  /**
   * Fails the commands queued for a reconnect that will not come. With `unsentOnly`, only those not
   * yet written to a socket (the offline queue), never one that may have run.
   */
  failQueued(error: Error, options?: { unsentOnly?: boolean }): void;
  /** Called once the client was told to close (QUIT or disconnect): stops what it would still schedule. */
  afterClose(): void;
  /** Every key of a type (SCAN ... TYPE, on every primary of a cluster), never KEYS. */
  keysOfType(type: string, probe: WriteProbe): Promise<string[]>;
}

/** SCAN over one server until the cursor comes back to 0. */
async function scanAll(client: Redis, type: string, probe: WriteProbe): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const reply: unknown = await send(client, 'SCAN', [cursor, 'COUNT', 1000, 'TYPE', type], UTF8, probe);
    if (!Array.isArray(reply) || typeof reply[0] !== 'string' || !Array.isArray(reply[1])) {
      throw new UnexpectedReplyError('SCAN: expected [cursor, keys]');
    }
    cursor = reply[0];
    for (const key of reply[1] as unknown[]) if (typeof key === 'string') keys.push(key);
  } while (cursor !== '0');
  return keys;
}

const UTF8 = { replyEncoding: 'utf8' } as const;
const BUFFER = { replyEncoding: null } as const;

/**
 * Sends a command whose arguments are strings and numbers. `client.call` would copy them through
 * `Array.prototype.flat`, which costs about as much as encoding them (a publish of 1000 entries has
 * 5000 arguments); they are already flat, so the command takes this array, its numbers written as
 * strings as ioredis does. (No argument transformer applies: those are for object arguments.)
 */
function send(
  client: Redis | Cluster,
  name: string,
  args: Array<string | number>,
  encoding: object,
  probe: WriteProbe,
): Promise<unknown> {
  // (Every value is a string or a number: encodeMessage turns a hook's field into text or refuses it.)
  for (let i = 0; i < args.length; i++) if (typeof args[i] === 'number') args[i] = String(args[i]);
  const command = new (ioredis().Command)(name, [], encoding);
  command.args = args;
  follow(command, probe);
  return client.sendCommand(command) as Promise<unknown>;
}

/** The link of a client to one server. */
export function serverLink(client: Redis): Link {
  return {
    client,
    call: (probe, name, ...args) => send(client, name, args, UTF8, probe),
    callBuffer: (probe, name, ...args) => send(client, name, args, BUFFER, probe),
    async transaction(commands, probe) {
      const queued = [
        send(client, 'MULTI', [], UTF8, probe),
        ...commands.map(([name, ...args]) => send(client, name, args, UTF8, probe)),
      ];
      // Each queued reply (+QUEUED, or the error EXECABORT then stands for) is settled here so none
      // is left unhandled; EXEC's reply carries the outcome.
      for (const p of queued) p.catch(() => {});
      try {
        return replies(await send(client, 'EXEC', [], UTF8, probe), commands.length);
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith('EXECABORT')) throw err;
        const settled = await Promise.allSettled(queued);
        const refused = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        throw refused === undefined ? err : refused.reason;
      }
    },
    async pipeline(commands, probe) {
      // Written back to back on one socket: Redis runs them in order, nothing in between from here.
      const sent = commands.map(([name, ...args]) => send(client, name, args, UTF8, probe));
      const settled = await Promise.allSettled(sent);
      return settled.map((r) => (r.status === 'fulfilled' ? r.value : toError(r.reason)));
    },
    async loadScript(lua, probe) {
      await send(client, 'SCRIPT', ['LOAD', lua], UTF8, probe);
    },
    loadBeforeUse: false,
    onServersChanged(onChange) {
      client.on('close', onChange);
    },
    async clientId(probe) {
      return Number(await send(client, 'CLIENT', ['ID'], UTF8, probe));
    },
    onSocketData(onData) {
      client.on('connect', () => {
        const stream = (client as unknown as { stream?: NodeJS.EventEmitter }).stream;
        stream?.on('data', onData);
      });
    },
    failQueued(error, options = {}) {
      const internal = client as unknown as {
        flushQueue?: (err: Error, which?: { offlineQueue?: boolean; commandQueue?: boolean }) => void;
      };
      if (typeof internal.flushQueue !== 'function') return;
      internal.flushQueue(error, options.unsentOnly === true ? { commandQueue: false } : {});
    },
    afterClose() {},
    keysOfType: (type, probe) => scanAll(client, type, probe),
  };
}

/**
 * ioredis 6 stops its periodic slot-map refresh on QUIT/disconnect, but a refresh in flight then
 * schedules the next one as it completes, and so does one started later on the closed client (one
 * closed while connecting), every slotsRefreshInterval: the process would never exit. After close,
 * every refresh is followed by a stop of that schedule (callbacks run in order, after its own).
 */
function stopSlotRefresh(client: Cluster): void {
  const internal = client as unknown as { isRefreshing?: boolean; clearNodesRefreshInterval?: () => void };
  const stop = (): void => internal.clearNodesRefreshInterval?.();
  const refresh = client.refreshSlotsCache.bind(client);
  client.refreshSlotsCache = (callback) => {
    refresh(callback);
    refresh(stop);
  };
  if (internal.isRefreshing === true) refresh(stop);
}

/** MULTI/EXEC on a cluster: ioredis' multi(), sent to the node that owns the keys' slot. */
async function clusterTransaction(
  client: Cluster,
  commands: readonly CommandArgs[],
  probe: WriteProbe,
): Promise<TransactionReply[]> {
  const pipeline = client.multi(commands.map(([name, ...args]) => ['call', name, ...args]));
  followAll(pipeline, probe);
  let result: Array<[Error | null, unknown]> | null;
  try {
    result = await pipeline.exec();
  } catch (err) {
    const previous = (err as { previousErrors?: unknown[] }).previousErrors;
    throw previous?.[0] ?? err;
  }
  if (result === null) throw new UnexpectedReplyError('EXEC: the transaction was discarded');
  return result.map(([error, value]) => error ?? value);
}

/** Commands in one write on a cluster: ioredis' pipeline(), to the node of the first key's slot. */
async function clusterPipeline(
  client: Cluster,
  commands: readonly CommandArgs[],
  probe: WriteProbe,
): Promise<unknown[]> {
  const pipeline = client.pipeline(commands.map(([name, ...args]) => ['call', name, ...args]));
  followAll(pipeline, probe);
  const result = await pipeline.exec();
  if (result === null) throw new UnexpectedReplyError('pipeline: no replies');
  return result.map(([error, value]) => error ?? value);
}

/** The link of a cluster client. */
export function clusterLink(client: Cluster): Link {
  return {
    client,
    call: (probe, name, ...args) => send(client, name, args, UTF8, probe),
    callBuffer: (probe, name, ...args) => send(client, name, args, BUFFER, probe),
    transaction: (commands, probe) => clusterTransaction(client, commands, probe),
    pipeline: (commands, probe) => clusterPipeline(client, commands, probe),
    async loadScript(lua, probe) {
      if (client.status !== 'ready') await send(client, 'PING', [], UTF8, probe); // connects, and knows the primaries then
      await Promise.all(client.nodes('master').map((node) => send(node, 'SCRIPT', ['LOAD', lua], UTF8, probe)));
    },
    loadBeforeUse: true,
    onServersChanged(onChange) {
      client.on('+node', onChange);
      client.on('-node', onChange);
      client.on('close', onChange);
    },
    clientId() {
      return Promise.resolve(undefined);
    },
    onSocketData(onData) {
      const watch = (node: Redis): void => {
        node.on('connect', () => {
          const stream = (node as unknown as { stream?: NodeJS.EventEmitter }).stream;
          stream?.on('data', onData);
        });
      };
      for (const node of client.nodes()) watch(node);
      client.on('+node', watch);
    },
    failQueued(error, options = {}) {
      const internal = client as unknown as { flushQueue?: (err: Error) => void };
      if (typeof internal.flushQueue === 'function') internal.flushQueue(error);
      for (const node of client.nodes()) serverLink(node).failQueued(error, options);
    },
    afterClose: () => stopSlotRefresh(client),
    async keysOfType(type, probe) {
      if (client.status !== 'ready') await send(client, 'PING', [], UTF8, probe);
      const perNode = await Promise.all(client.nodes('master').map((node) => scanAll(node, type, probe)));
      return perNode.flat();
    },
  };
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

function replies(reply: unknown, count: number): TransactionReply[] {
  if (!Array.isArray(reply) || reply.length !== count) {
    throw new UnexpectedReplyError(`EXEC: expected ${count} replies`);
  }
  return reply;
}

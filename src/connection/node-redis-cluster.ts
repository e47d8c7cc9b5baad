/**
 * A Redis Cluster over node-redis connections: the slot map (CLUSTER SLOTS), a connection per
 * primary (each a {@link NodeRedisConnection}: the same reconnects and the same exact knowledge of
 * what was written as on one server), and the routing of each command by its key's slot.
 *
 * The cluster waits out a failover or a slot moving instead of failing the command at once, as the
 * ioredis adapter does: MOVED (the slot map is read again), ASK (ASKING and the command, in one
 * write, to the node named), TRYAGAIN (100 ms later), CLUSTERDOWN and a node that cannot be reached
 * with the command never sent (300 ms later, the slot map read again), up to 16 times. A command
 * that was written when its node's connection dropped fails at once, its outcome unknown. The slot
 * map is also read every 2 s, so a move is noticed even when no command is redirected; a node that
 * is no longer a primary has its connection closed.
 */
import { ConnectionError, RedisCommandError, RedisStreamerError } from '../errors.js';
import { keySlot } from '../naming.js';
import { sleep } from '../timers.js';
import { NodeRedisConnection, type ConnectionListener } from './node-redis-connection.js';
import type { Where } from './node-redis-errors.js';
import type { NodeRedisClientOptions } from './node-redis-library.js';
import { runPipeline, runTransaction, scanAll, type Command, type NodeRedisLink } from './node-redis-link.js';
import { addressText, type Address } from './node-redis-options.js';
import { readSlotMap, type SlotMap } from './node-redis-slots.js';

/** What a cluster link needs. */
export interface ClusterSettings {
  readonly label: string;
  readonly where: Where;
  /** The client options of a connection to one node. */
  readonly nodeOptions: (address: Address) => NodeRedisClientOptions;
  readonly connectTimeoutMs: number;
  readonly replyTimeoutMs: number | undefined;
}

const MAX_REDIRECTIONS = 16;
const REFRESH_EVERY_MS = 2000;

/** Routes commands to the primaries of a cluster. */
class ClusterRouter {
  private map: SlotMap | undefined;
  private readonly connections = new Map<string, NodeRedisConnection>();
  private refreshing: Promise<void> | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Aborted on close: stops a slot-map read under way. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly startup: readonly Address[],
    private readonly settings: ClusterSettings,
    private readonly listener: ConnectionListener,
  ) {}

  /** The connection to the primary that owns `key`'s slot (any primary for no key). */
  async nodeFor(key: string | undefined): Promise<NodeRedisConnection> {
    if (this.closed) throw this.closedError();
    const known = this.lookup(key);
    if (known !== undefined) return known;
    await this.refresh();
    const found = this.lookup(key);
    if (found === undefined) {
      throw new ConnectionError(
        this.settings.where.endpoint,
        `no primary of the cluster serves the slot of "${key ?? ''}"`,
      );
    }
    return found;
  }

  private lookup(key: string | undefined): NodeRedisConnection | undefined {
    const map = this.map;
    if (map === undefined) return undefined;
    const address = key === undefined ? map.primaries[0] : map.slots[keySlot(key)];
    return address === undefined ? undefined : this.connectionTo(address);
  }

  /** Every primary's connection (the slot map read first if it is not known yet). */
  async primaries(): Promise<NodeRedisConnection[]> {
    if (this.map === undefined) await this.refresh();
    return (this.map?.primaries ?? []).map((a) => this.connectionTo(a));
  }

  connectionTo(address: Address): NodeRedisConnection {
    const id = addressText(address);
    let connection = this.connections.get(id);
    if (connection === undefined) {
      const { settings } = this;
      connection = new NodeRedisConnection(
        {
          label: settings.label,
          where: { ...settings.where, endpoint: id, clusterNode: true },
          target: { resolve: () => Promise.resolve(settings.nodeOptions(address)) },
          connectTimeoutMs: settings.connectTimeoutMs,
          replyTimeoutMs: settings.replyTimeoutMs,
        },
        this.listener,
      );
      this.connections.set(id, connection);
      this.listener.serversChanged?.();
    }
    return connection;
  }

  /** Reads the slot map again (one read at a time); closes the connections of former primaries. */
  refresh(): Promise<void> {
    this.refreshing ??= this.readMap().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async readMap(): Promise<void> {
    const candidates = [...(this.map?.primaries ?? []), ...this.startup];
    const map = await readSlotMap(
      candidates,
      this.settings,
      (a) => this.connections.get(addressText(a)),
      this.stopping.signal,
    ).catch((err: unknown) => {
      // No node gave the slot map: the connection's error (its status says why), as with ioredis.
      if (!this.closed && err instanceof RedisStreamerError) this.listener.error(err);
      throw err;
    });
    if (this.closed) return;
    this.map = map;
    const current = new Set(map.primaries.map(addressText));
    for (const [id, connection] of this.connections) {
      if (current.has(id)) continue;
      this.connections.delete(id);
      void connection.close();
      this.listener.serversChanged?.();
    }
    this.scheduleRefresh();
  }

  private scheduleRefresh(): void {
    if (this.closed || this.refreshTimer !== undefined) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refresh().catch(() => this.scheduleRefresh());
    }, REFRESH_EVERY_MS);
  }

  /** Runs `run` on the node of `key`, following redirections (see the file's comment). */
  async route<T>(key: string | undefined, run: (node: NodeRedisConnection) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const node = await this.nodeFor(key);
      try {
        return await run(node);
      } catch (err) {
        const next = await this.redirection(err, attempt);
        if (next === undefined) throw err;
        if (next !== 'retry') return next.asking(run);
      }
    }
  }

  /** What to do after a failure: retry (after waiting), ask another node, or give up (undefined). */
  private async redirection(
    err: unknown,
    attempt: number,
  ): Promise<'retry' | { asking: <T>(run: (n: NodeRedisConnection) => Promise<T>) => Promise<T> } | undefined> {
    if (attempt >= MAX_REDIRECTIONS || this.closed) return undefined;
    const code = redirectCode(err);
    if (code === undefined) return undefined;
    if (code === 'MOVED') {
      await this.refresh().catch(() => {});
      return 'retry';
    }
    if (code === 'ASK') {
      const address = askTarget(err as RedisCommandError);
      if (address === undefined) return undefined;
      const node = this.connectionTo(address);
      return { asking: (run) => run(asking(node)) };
    }
    await sleep(code === 'TRYAGAIN' ? 100 : 300);
    if (code !== 'TRYAGAIN') await this.refresh().catch(() => {});
    return 'retry';
  }

  async close(): Promise<void> {
    const refreshing = this.refreshing;
    this.stop();
    const connections = [...this.connections.values()];
    this.connections.clear();
    await Promise.all([...connections.map((c) => c.close()), refreshing?.catch(() => {})]);
  }

  destroy(): void {
    this.stop();
    for (const c of this.connections.values()) c.destroy();
    this.connections.clear();
  }

  private stop(): void {
    this.closed = true;
    this.stopping.abort();
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  private closedError(): ConnectionError {
    const { label, where } = this.settings;
    return new ConnectionError(where.endpoint, `the connection "${label}" to ${where.endpoint} was closed`);
  }
}

/** The redirection a failure asks for, if any. */
function redirectCode(err: unknown): 'MOVED' | 'ASK' | 'TRYAGAIN' | 'CLUSTERDOWN' | 'UNREACHABLE' | undefined {
  if (err instanceof RedisCommandError) {
    const code = err.redisCode;
    if (code === 'MOVED' || code === 'ASK' || code === 'TRYAGAIN' || code === 'CLUSTERDOWN') return code;
    return undefined;
  }
  // Never written: the node could not be reached (a primary gone, its replica not promoted yet).
  if (err instanceof ConnectionError && !err.sent && err.code === 'ERR_CONNECTION') return 'UNREACHABLE';
  return undefined;
}

/** The node an ASK names: `ASK <slot> <host>:<port>`. */
function askTarget(err: RedisCommandError): Address | undefined {
  const match = /ASK \d+ (\S+):(\d+)\s*$/.exec(err.message);
  if (match === null) return undefined;
  return { host: (match[1] as string).replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) };
}

/**
 * A view of a node's connection that sends ASKING just before what it is given, in the same write.
 * Inside a transaction the ASKING flag lasts until EXEC, so one ASKING before MULTI covers it.
 */
function asking(node: NodeRedisConnection): NodeRedisConnection {
  return Object.assign(Object.create(node) as NodeRedisConnection, {
    send: (args: readonly string[], buffers?: boolean) => {
      void node.send(['ASKING']).catch(() => {});
      return node.send(args, buffers);
    },
    sendAll: (commands: ReadonlyArray<readonly string[]>) => {
      const [flag, ...sent] = node.sendAll([['ASKING'], ...commands]);
      flag?.catch(() => {});
      return sent;
    },
  });
}

/** The link of a cluster. */
export function clusterLink(
  startup: readonly Address[],
  settings: ClusterSettings,
  listener: ConnectionListener,
): NodeRedisLink {
  const router = new ClusterRouter(startup, settings, listener);
  return {
    call: (key, args) => router.route(key, (node) => node.send(args)),
    callBuffer: (key, args) => router.route(key, (node) => node.send(args, true)),
    sendAll(key, commands) {
      const sent = router.nodeFor(key).then((node) => node.sendAll(commands));
      return commands.map((_, i) => sent.then((all) => all[i]));
    },
    transaction: (key, commands) => router.route(key, (node) => runTransaction(node, commands)),
    pipeline: (key, commands) => router.route(key, (node) => redirectedPipeline(node, commands)),
    async loadScript(lua) {
      const primaries = await router.primaries();
      await Promise.all(primaries.map((node) => node.send(['SCRIPT', 'LOAD', lua])));
    },
    loadBeforeUse: true,
    clientId: () => Promise.resolve(undefined),
    async keysOfType(type) {
      const primaries = await router.primaries();
      const perNode = await Promise.all(primaries.map((node) => scanAll((args: Command) => node.send(args), type)));
      return perNode.flat();
    },
    close: () => router.close(),
    destroy: () => router.destroy(),
  };
}

/** A pipeline whose first command was redirected fails as a whole, so that it is sent again. */
async function redirectedPipeline(node: NodeRedisConnection, commands: readonly Command[]): Promise<unknown[]> {
  const replies = await runPipeline(node, commands);
  const first = replies[0];
  if (redirectCode(first) !== undefined && first instanceof RedisCommandError) throw first;
  return replies;
}

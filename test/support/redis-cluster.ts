/**
 * A private Redis Cluster for tests: `primaries` primaries with `replicasPerPrimary` replicas each
 * (3 + 3 by default), every node a redis-server on 127.0.0.1 in its own directory under one
 * temporary directory, created with `redis-cli --cluster create`. Nodes can be killed, restarted,
 * failed over and slots migrated, and each step waits until the cluster has settled again, so a
 * test can assert right after it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fileTail,
  freeClusterPort,
  hasRedisServer,
  MISSING_REDIS_SERVER,
  parseInfo,
  RedisReplyError,
  redisCommand,
  redisCommands,
  spawnRedisOnFreePort,
  type RedisProcess,
  type RespValue,
} from './redis-server.js';

/**
 * Options for a test's own ioredis Cluster client: no periodic slot-map refresh (MOVED and failures
 * still trigger one). ioredis 6 re-arms that refresh when one is in flight at disconnect(), which
 * keeps the process alive (the library stops it in its own clients; see ioredis-link.ts).
 */
export const CLUSTER_CLIENT_OPTIONS = { slotsRefreshInterval: 0 } as const;

/** Options for {@link startCluster}. */
export interface ClusterOptions {
  /** How many primaries (at least 3: redis-cli refuses fewer). @default 3 */
  readonly primaries?: number;
  /** How many replicas each primary has. @default 1 */
  readonly replicasPerPrimary?: number;
  /** Extra redis-server arguments for every node (they win over the defaults). */
  readonly args?: readonly string[];
  /** How long to wait for the cluster to be ready. @default 30000 */
  readonly timeoutMs?: number;
}

/** One node of a {@link RedisCluster}, kept current by the cluster's methods. */
export interface ClusterNode {
  readonly port: number;
  /** Its cluster node id (stable across restarts: it is in its nodes.conf). */
  readonly id: string;
  /** Its role as the cluster last reported it (a killed primary stays `primary` until it rejoins). */
  role: 'primary' | 'replica';
  /** The process id of its current (or last) redis-server process. */
  pid: number;
  /** Whether its process is running (false after {@link RedisCluster.killNode}). */
  running: boolean;
  /** Its directory (nodes.conf, redis.log). */
  readonly dir: string;
}

/** A running private Redis Cluster, from {@link startCluster}. */
export interface RedisCluster {
  /** Every node, in the order they were started; roles and pids are updated by the methods below. */
  readonly nodes: ClusterNode[];
  /** The temporary directory holding one directory per node. */
  readonly dir: string;
  /** `redis://127.0.0.1:<port>` of every node (killed ones included). */
  urls(): string[];
  /** `{ host, port }` of every node, for `new Cluster(startupNodes())`. */
  startupNodes(): Array<{ host: string; port: number }>;
  /** The primary that owns `key`'s slot now (asked of a running node: CLUSTER KEYSLOT, CLUSTER SLOTS). */
  primaryFor(key: string): Promise<{ port: number; slot: number; id: string }>;
  /** The port of a running replica of the primary on `primaryPort`; rejects if it has none. */
  replicaOf(primaryPort: number): Promise<number>;
  /** Kills the node (SIGKILL) and waits for the process to exit; its directory stays. */
  killNode(port: number): Promise<void>;
  /**
   * Starts a killed node again (a running one is killed first) on the same port and directory: it
   * rejoins with its nodes.conf, a killed primary whose replica took over comes back as a replica.
   * Then waits until the cluster has settled (see {@link startCluster}).
   */
  restartNode(port: number): Promise<void>;
  /**
   * `CLUSTER FAILOVER [FORCE]` on the replica, then waits until it reports role master and the
   * cluster has settled (every node agrees on the slot map, replicas linked). The command is sent
   * again if the promotion has not happened within 6 s (a manual failover that times out is
   * silently dropped by Redis).
   */
  failover(replicaPort: number, mode?: 'default' | 'force'): Promise<void>;
  /**
   * After {@link killNode} of a primary: waits until one of its replicas is master and the cluster
   * has settled. `ms` counts from the kill when it went through killNode, else from this call.
   */
  waitForPromotion(oldPrimaryPort: number): Promise<{ newPrimary: number; ms: number }>;
  /**
   * Moves `key`'s slot, with its keys, to the primary on `toPort` while the cluster stays up:
   * SETSLOT IMPORTING / MIGRATING, MIGRATE of the slot's keys in batches of 100 (GETKEYSINSLOT),
   * then SETSLOT NODE on the target, the source and every other primary; waits until every node
   * agrees. Does nothing if `toPort` already owns it.
   */
  migrateSlotOf(key: string, toPort: number): Promise<void>;
  /** Kills every node and removes the directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** All slots a cluster must cover. */
const SLOTS = 16384;

/** One line of CLUSTER NODES. */
interface NodeView {
  id: string;
  port: number;
  flags: string[];
  masterId: string | undefined;
}

function parseClusterNodes(text: RespValue): NodeView[] {
  if (typeof text !== 'string') return [];
  return text
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [id = '', address = '', flags = '', master = '-'] = line.split(' ');
      const port = Number(/:(\d+)@/.exec(address)?.[1] ?? 0);
      return { id, port, flags: flags.split(','), masterId: master === '-' ? undefined : master };
    });
}

/** CLUSTER SLOTS as a canonical string (`start-end:primary/replica,replica;...`) and the slots covered. */
function slotMap(reply: RespValue | RedisReplyError): { map: string; covered: number } {
  if (!Array.isArray(reply)) return { map: '', covered: 0 };
  const ranges = reply.flatMap((entry) => {
    if (!Array.isArray(entry)) return [];
    const [start, end, ...holders] = entry;
    const ports = holders.map((h) => (Array.isArray(h) ? Number(h[1]) : 0));
    return [{ start: Number(start), end: Number(end), ports }];
  });
  ranges.sort((a, b) => a.start - b.start);
  const covered = ranges.reduce((sum, r) => sum + r.end - r.start + 1, 0);
  const map = ranges
    .map((r) => {
      const [primary, ...replicas] = r.ports;
      return `${r.start}-${r.end}:${primary}/${replicas.sort((a, b) => a - b).join(',')}`;
    })
    .join(';');
  return { map, covered };
}

/** Runs a redis-cli and resolves with its output; rejects with it on a non-zero exit. */
function redisCli(args: readonly string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`redis-cli ${args.join(' ')} failed (${code ?? signal}):\n${output}`));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Internal state of one node. */
interface NodeState {
  readonly node: ClusterNode;
  readonly process: RedisProcess;
}

/**
 * Starts a private Redis Cluster: `primaries * (1 + replicasPerPrimary)` redis-server processes
 * (`--cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 1000
 * --repl-diskless-sync-delay 0 --cluster-replica-validity-factor 0 --appendonly no --save ''`,
 * each on a port from {@link freeClusterPort} and in its own directory, logging to its
 * `redis.log`), then `redis-cli --cluster create ... --cluster-yes`, and waits until every node
 * says `cluster_state:ok`, knows every node with no failure flag on a running one, every node
 * returns the same CLUSTER SLOTS covering all 16384 slots, and every replica reports
 * `master_link_status:up`. Prints nothing; on failure stops what it started and rejects with the
 * tail of every node's log.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<RedisCluster> {
  if (!hasRedisServer()) throw new Error(MISSING_REDIS_SERVER);
  const primaries = options.primaries ?? 3;
  const replicas = options.replicasPerPrimary ?? 1;
  const total = primaries * (1 + replicas);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const dir = mkdtempSync(join(tmpdir(), 'rs-cluster-'));
  const reserved = new Set<number>();
  const states: NodeState[] = [];
  /** When a node was killed through killNode, and the replicas it had then. */
  const kills = new Map<number, { at: number; replicaPorts: number[] }>();
  let stopped = false;

  const startNode = async (index: number): Promise<NodeState> => {
    const nodeDir = join(dir, `node-${index}`);
    mkdirSync(nodeDir);
    const logFile = join(nodeDir, 'redis.log');
    const proc = await spawnRedisOnFreePort(
      (port) => {
        rmSync(logFile, { force: true });
        return {
          port,
          logFile,
          args: [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--dir',
            nodeDir,
            '--logfile',
            logFile,
            '--daemonize',
            'no',
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '1000',
            // A replica may take over however long it was cut off from its primary: tests kill
            // and restart nodes back to back.
            '--cluster-replica-validity-factor',
            '0',
            '--repl-diskless-sync-delay',
            '0',
            '--appendonly',
            'no',
            '--save',
            '',
            ...(options.args ?? []),
          ],
        };
      },
      () => freeClusterPort(reserved),
    );
    const id = await redisCommand(proc.port, ['CLUSTER', 'MYID']);
    const node: ClusterNode = {
      port: proc.port,
      id: String(id),
      role: 'primary',
      pid: proc.pid,
      running: true,
      dir: nodeDir,
    };
    return { node, process: proc };
  };

  const state = (port: number): NodeState => {
    const found = states.find((s) => s.node.port === port);
    if (found === undefined) throw new Error(`no cluster node on port ${port}`);
    return found;
  };
  const running = (): NodeState[] => states.filter((s) => s.process.running);
  const logs = (): string =>
    states
      .map(
        (s) =>
          `--- node ${s.node.port} (${s.node.role}) ${s.node.dir}/redis.log:\n${fileTail(join(s.node.dir, 'redis.log'))}`,
      )
      .join('\n');

  /** Asks the running nodes, in turn, until one answers. */
  const askAny = async (args: ReadonlyArray<string | number>): Promise<RespValue> => {
    let lastError: unknown = new Error('no running cluster node');
    for (const s of running()) {
      try {
        return await redisCommand(s.node.port, args);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  };

  /** Updates roles from a running node's CLUSTER NODES (and pids / running from the processes). */
  const refresh = async (): Promise<NodeView[]> => {
    const views = parseClusterNodes(await askAny(['CLUSTER', 'NODES']));
    for (const s of states) {
      const view = views.find((v) => v.id === s.node.id);
      if (view !== undefined) s.node.role = view.flags.includes('slave') ? 'replica' : 'primary';
      s.node.pid = s.process.pid;
      s.node.running = s.process.running;
    }
    return views;
  };

  /** Why the running nodes have not settled yet, or undefined when they have. */
  const unsettled = async (): Promise<string | undefined> => {
    const live = running();
    const liveIds = new Set(live.map((s) => s.node.id));
    const answers = await Promise.all(
      live.map((s) =>
        redisCommands(s.node.port, [
          ['CLUSTER', 'INFO'],
          ['CLUSTER', 'NODES'],
          ['CLUSTER', 'SLOTS'],
          ['INFO', 'replication'],
        ])
          .then((r) => ({ s, r }))
          .catch((error: Error) => ({ s, r: error })),
      ),
    );
    let reference: string | undefined;
    let roles: string | undefined;
    for (const { s, r } of answers) {
      const at = `node ${s.node.port}`;
      if (r instanceof Error) return `${at}: ${r.message}`;
      const [info, nodes, slots, replication] = r;
      if (parseInfo(info ?? null)['cluster_state'] !== 'ok') return `${at}: cluster_state is not ok`;
      const views = parseClusterNodes(nodes instanceof RedisReplyError ? null : (nodes ?? null));
      if (views.length !== states.length) return `${at}: knows ${views.length} of ${states.length} nodes`;
      const flagged = views.find(
        (v) => liveIds.has(v.id) && v.flags.some((f) => ['fail', 'fail?', 'handshake', 'noaddr'].includes(f)),
      );
      if (flagged !== undefined) return `${at}: sees ${flagged.port} as ${flagged.flags.join(',')}`;
      const seen = views
        .filter((v) => liveIds.has(v.id))
        .map((v) => `${v.port}:${v.flags.includes('slave') ? `replica of ${v.masterId}` : 'primary'}`)
        .sort()
        .join(' ');
      if (roles !== undefined && seen !== roles)
        return `${at}: sees other roles (${seen}) than another node (${roles})`;
      roles = seen;
      const { map, covered } = slotMap(slots ?? null);
      if (covered !== SLOTS) return `${at}: CLUSTER SLOTS covers ${covered} slots`;
      if (reference !== undefined && map !== reference) return `${at}: slot map differs`;
      reference = map;
      const repl = parseInfo(replication ?? null);
      if (repl['role'] === 'slave' && repl['master_link_status'] !== 'up') return `${at}: replica link is down`;
    }
    return undefined;
  };

  /** Waits until {@link unsettled} says nothing, or rejects with the last reason and the logs. */
  const settle = async (what: string, extra?: () => Promise<string | undefined>): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let reason: string | undefined = 'not checked';
    while (Date.now() < deadline) {
      reason = (await extra?.()) ?? (await unsettled());
      if (reason === undefined) {
        await refresh();
        return;
      }
      await sleep(50);
    }
    throw new Error(`redis cluster: ${what} did not settle within ${timeoutMs} ms: ${reason}\n${logs()}`);
  };

  const killAll = async (): Promise<void> => {
    await Promise.all(states.map((s) => s.process.kill('SIGKILL')));
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await killAll();
    for (const s of states) s.node.running = false;
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const started = await Promise.allSettled(Array.from({ length: total }, (_, i) => startNode(i)));
    for (const result of started) if (result.status === 'fulfilled') states.push(result.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const addresses = states.map((s) => `127.0.0.1:${s.node.port}`);
    await redisCli(['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes']);
    await settle('startup');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const tail = message.includes('--- node') ? '' : `\n${logs()}`;
    await stop();
    throw new Error(`redis cluster failed to start: ${message}${tail}`, { cause: error });
  }

  const cluster: RedisCluster = {
    nodes: states.map((s) => s.node),
    dir,
    urls: () => states.map((s) => `redis://127.0.0.1:${s.node.port}`),
    startupNodes: () => states.map((s) => ({ host: '127.0.0.1', port: s.node.port })),

    async primaryFor(key) {
      const slot = Number(await askAny(['CLUSTER', 'KEYSLOT', key]));
      const slots = await askAny(['CLUSTER', 'SLOTS']);
      for (const entry of Array.isArray(slots) ? slots : []) {
        if (!Array.isArray(entry)) continue;
        const [start, end, owner] = entry;
        if (slot >= Number(start) && slot <= Number(end) && Array.isArray(owner)) {
          return { port: Number(owner[1]), slot, id: String(owner[2]) };
        }
      }
      throw new Error(`redis cluster: no owner for slot ${slot} (key ${key})`);
    },

    async replicaOf(primaryPort) {
      const views = await refresh();
      const primaryId = state(primaryPort).node.id;
      const replica = views.find(
        (v) =>
          v.masterId === primaryId &&
          v.flags.includes('slave') &&
          !v.flags.includes('fail') &&
          state(v.port).process.running,
      );
      if (replica === undefined) throw new Error(`redis cluster: the primary on ${primaryPort} has no running replica`);
      return replica.port;
    },

    async killNode(port) {
      const target = state(port);
      const views = await refresh().catch(() => [] as NodeView[]);
      const replicaPorts = views.filter((v) => v.masterId === target.node.id).map((v) => v.port);
      await target.process.kill('SIGKILL');
      kills.set(port, { at: Date.now(), replicaPorts });
      target.node.running = false;
    },

    async restartNode(port) {
      const target = state(port);
      await target.process.restart();
      target.node.pid = target.process.pid;
      target.node.running = true;
      kills.delete(port);
      await settle(`restart of ${port}`);
    },

    async failover(replicaPort, mode = 'default') {
      const command = mode === 'force' ? ['CLUSTER', 'FAILOVER', 'FORCE'] : ['CLUSTER', 'FAILOVER'];
      await redisCommand(replicaPort, command);
      let sentAt = Date.now();
      await settle(`failover to ${replicaPort}`, async () => {
        const role = await redisCommand(replicaPort, ['ROLE']).catch(() => null);
        if (Array.isArray(role) && role[0] === 'master') return undefined;
        if (Date.now() - sentAt > 6000) {
          sentAt = Date.now();
          await redisCommand(replicaPort, command).catch(() => undefined);
        }
        return `${replicaPort} is not master yet`;
      });
    },

    async waitForPromotion(oldPrimaryPort) {
      const began = kills.get(oldPrimaryPort)?.at ?? Date.now();
      const oldId = state(oldPrimaryPort).node.id;
      let candidates = kills.get(oldPrimaryPort)?.replicaPorts ?? [];
      if (candidates.length === 0) {
        candidates = parseClusterNodes(await askAny(['CLUSTER', 'NODES']))
          .filter((v) => v.masterId === oldId)
          .map((v) => v.port);
      }
      if (candidates.length === 0) throw new Error(`redis cluster: ${oldPrimaryPort} had no replica to promote`);
      let newPrimary = 0;
      await settle(`promotion of a replica of ${oldPrimaryPort}`, async () => {
        for (const port of candidates) {
          if (!state(port).process.running) continue;
          const role = await redisCommand(port, ['ROLE']).catch(() => null);
          if (Array.isArray(role) && role[0] === 'master') {
            newPrimary = port;
            return undefined;
          }
        }
        return `no replica of ${oldPrimaryPort} (${candidates.join(', ')}) is master yet`;
      });
      return { newPrimary, ms: Date.now() - began };
    },

    async migrateSlotOf(key, toPort) {
      const { port: fromPort, slot, id: fromId } = await cluster.primaryFor(key);
      if (fromPort === toPort) return;
      const toId = state(toPort).node.id;
      await redisCommand(toPort, ['CLUSTER', 'SETSLOT', slot, 'IMPORTING', fromId]);
      await redisCommand(fromPort, ['CLUSTER', 'SETSLOT', slot, 'MIGRATING', toId]);
      for (;;) {
        const keys = await redisCommand(fromPort, ['CLUSTER', 'GETKEYSINSLOT', slot, 100]);
        if (!Array.isArray(keys) || keys.length === 0) break;
        await redisCommand(fromPort, ['MIGRATE', '127.0.0.1', toPort, '', 0, 10_000, 'KEYS', ...keys.map(String)], {
          timeoutMs: 15_000,
        });
      }
      await redisCommand(toPort, ['CLUSTER', 'SETSLOT', slot, 'NODE', toId]);
      await redisCommand(fromPort, ['CLUSTER', 'SETSLOT', slot, 'NODE', toId]);
      await refresh();
      const others = running().filter((s) => s.node.role === 'primary' && ![fromPort, toPort].includes(s.node.port));
      await Promise.all(others.map((s) => redisCommand(s.node.port, ['CLUSTER', 'SETSLOT', slot, 'NODE', toId])));
      await settle(`migration of slot ${slot} to ${toPort}`, async () => {
        const owners = await Promise.all(
          running().map(async (s) => {
            const { map } = slotMap(await redisCommand(s.node.port, ['CLUSTER', 'SLOTS']).catch(() => null));
            return map;
          }),
        );
        const owned = owners.every((map) =>
          map.split(';').some((range) => {
            const [bounds = '', holders = ''] = range.split(':');
            const [start, end] = bounds.split('-').map(Number);
            return slot >= (start ?? -1) && slot <= (end ?? -1) && holders.startsWith(`${toPort}/`);
          }),
        );
        return owned ? undefined : `not every node has slot ${slot} on ${toPort} yet`;
      });
    },

    stop,
  };
  return cluster;
}

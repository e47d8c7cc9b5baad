/**
 * A private Redis Sentinel setup for tests: a primary, one replica and 3 sentinels watching them
 * as `mymaster` (quorum 2), all on 127.0.0.1 under one temporary directory, each process with its
 * own directory and config file (so the sentinels' CONFIG REWRITEs land somewhere). Failovers,
 * automatic (after {@link SentinelSetup.killPrimary}) or planned ({@link SentinelSetup.failover}),
 * can be waited for.
 *
 * Sentinel timings to know when writing a test: a sentinel waits `down-after-milliseconds` (1 s
 * here) before it sees the primary down, and up to 1 s more at random before it starts a failover;
 * it does not start another automatic failover of the same master within 2 x failover-timeout
 * (10 s here, see {@link SentinelOptions.failoverTimeoutMs}) of the last one (a planned SENTINEL
 * FAILOVER is not held back); and it turns a former primary that comes back as a primary into a
 * replica only after 4 hello periods and its next INFO poll: 2-3 s with
 * {@link SentinelOptions.fastTimers} (the default), up to 20 s without.
 *
 * That last delay applies to a planned failover too: Sentinel does not fence the old primary, which
 * goes on accepting writes from the clients still connected to it until it is demoted (its clients
 * are cut then), and what it accepted after its replica was promoted is discarded when it resyncs.
 * `configSet('min-replicas-to-write', 1)` makes it refuse them instead.
 *
 * With {@link SentinelOptions.sentinelPassword} the sentinels require a login (`requirepass`) from
 * every client, this harness included (it sends AUTH ahead of each of its commands to them), and
 * log in to one another with it (`sentinel sentinel-pass`). The data nodes are not affected.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fileTail,
  hasRedisServer,
  MISSING_REDIS_SERVER,
  parseInfo,
  redisCommand,
  spawnRedisOnFreePort,
  type RedisProcess,
  type RespValue,
} from './redis-server.js';

/** Options for {@link startSentinel}. */
export interface SentinelOptions {
  /** Extra config lines for the primary and the replica (e.g. `requirepass x`). */
  readonly dataConfig?: readonly string[];
  /** How long each wait may take. @default 30000 */
  readonly timeoutMs?: number;
  /**
   * Shorten the sentinels' internal periods with `SENTINEL DEBUG info-period 1000 publish-period
   * 500` (from 10 s and 2 s): they then notice role changes within 1 s and turn a returning former
   * primary into a replica after 2 s instead of 8 s. Failure detection (down-after 1 s) and the
   * failover itself are unchanged. @default true
   */
  readonly fastTimers?: boolean;
  /**
   * The sentinels' `failover-timeout`: they start no automatic failover of the master within twice
   * this of the last one, so a file that kills the primary several times may shorten it.
   * @default 5000
   */
  readonly failoverTimeoutMs?: number;
  /**
   * Make every sentinel require this password from its clients (`requirepass`, for the default
   * user) and use it with the other sentinels (`sentinel sentinel-pass`), as a Sentinel deployment
   * with authentication does. The harness logs in with it too. @default no login required
   */
  readonly sentinelPassword?: string;
}

/** A running Sentinel setup, from {@link startSentinel}. */
export interface SentinelSetup {
  /** The monitored master's name: `mymaster`. */
  readonly name: string;
  /** The sentinels' addresses, for `new Redis({ sentinels, name })`. */
  readonly sentinels: Array<{ host: string; port: number }>;
  /** The ports of the two data nodes (primary first, as started). */
  readonly dataPorts: number[];
  /** The temporary directory holding one directory per process. */
  readonly dir: string;
  /** The password the sentinels require ({@link SentinelOptions.sentinelPassword}), if any. */
  readonly sentinelPassword: string | undefined;
  /** The current primary's port, as a running sentinel reports it (SENTINEL GET-MASTER-ADDR-BY-NAME). */
  primaryPort(): Promise<number>;
  /** Kills the current primary (SIGKILL) and waits for the process to exit; resolves to its port. */
  killPrimary(): Promise<number>;
  /**
   * Waits until every running sentinel reports a primary other than `oldPort` and that server says
   * it is master. `ms` counts from {@link killPrimary} when it killed `oldPort`, else from this call.
   */
  waitForFailover(oldPort: number): Promise<{ newPrimary: number; ms: number }>;
  /**
   * Starts the killed data node on `port` again with its config file, then waits until the pair
   * is healthy again: the sentinels agree on a primary and the other data node is its replica (see
   * {@link waitForReplica}). That is usually `port` a replica of the current primary, but a loaded
   * machine can make the sentinels fail the new primary over once more (a PING answered later than
   * `down-after-milliseconds`), to the node just restarted: then `port` is the primary. By default
   * the sentinels turn the restarted node into a replica, which takes 2-3 s (see
   * {@link SentinelOptions.fastTimers}), during which it is an empty primary of its own; with
   * `asReplica` it starts with `--replicaof <current primary>` and is ready sooner.
   */
  restartOld(port: number, options?: { asReplica?: boolean }): Promise<void>;
  /**
   * Waits until the server on `port` is a replica of the current primary with its link up and every
   * sentinel lists it as a healthy replica (so a failover may pick it).
   */
  waitForReplica(port: number): Promise<void>;
  /**
   * A planned failover: SENTINEL FAILOVER (retried while a sentinel answers -INPROG or
   * -NOGOODSLAVE), then waits until every running sentinel reports the new primary and it says it
   * is master. The old primary is turned into a replica by the sentinels 2-3 s later: call
   * {@link waitForReplica} with its port before a test needs it. Resolves to the old and new
   * primaries' ports and the ms from the SENTINEL FAILOVER that started it to the new primary being
   * reported by every sentinel and saying it is master.
   */
  failover(): Promise<{ oldPrimary: number; newPrimary: number; ms: number }>;
  /**
   * CONFIG SET on every running data node (e.g. `min-replicas-to-write 1`, which makes a primary
   * that lost its replicas refuse writes), and CONFIG REWRITE, so its config file says the same: the
   * sentinels rewrite that file with the node's settings at every failover, so without it a node
   * killed and started again later came back with a value set back in memory only (a primary with
   * `min-replicas-to-write 1` and no replica then refuses every write). A node not running gets it
   * only from its config file.
   */
  configSet(parameter: string, value: string | number): Promise<void>;
  /**
   * Stops sentinel `index` (of {@link sentinels}) with SIGSTOP: it keeps its port and the kernel
   * still accepts connections to it, but it answers nothing (a hung process, a paused VM). Until
   * {@link resumeSentinel}, the waits above leave it out.
   */
  pauseSentinel(index: number): void;
  /** Lets a paused sentinel run again (SIGCONT). */
  resumeSentinel(index: number): void;
  /** Kills every process and removes the directory. Safe to call twice. */
  stop(): Promise<void>;
}

const NAME = 'mymaster';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A SENTINEL SENTINELS / REPLICAS reply as one field map per entry. */
function records(reply: RespValue): Array<Record<string, string>> {
  if (!Array.isArray(reply)) return [];
  return reply.map((entry) => {
    const fields: Record<string, string> = {};
    if (Array.isArray(entry)) {
      for (let i = 0; i + 1 < entry.length; i += 2) fields[String(entry[i])] = String(entry[i + 1]);
    }
    return fields;
  });
}

/** A config file value as one argument, whatever it holds (spaces, quotes, `#`). */
function configValue(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
}

/** The port in a GET-MASTER-ADDR-BY-NAME reply, or undefined. */
function masterPort(reply: RespValue): number | undefined {
  return Array.isArray(reply) && reply.length === 2 ? Number(reply[1]) : undefined;
}

/**
 * Starts a primary, a replica (`replicaof` in its config) and 3 sentinels (`redis-server
 * sentinel.conf --sentinel`, with `sentinel monitor mymaster 127.0.0.1 <primary> 2`,
 * down-after-milliseconds 1000, failover-timeout 5000 (or `failoverTimeoutMs`), parallel-syncs 1;
 * faster internal periods unless `fastTimers: false`; `requirepass` and `sentinel sentinel-pass`
 * with `sentinelPassword`), each on a free port,
 * logging to `redis.log` / `sentinel.log` in its directory. Resolves once the replica's link is up
 * and every sentinel knows the master, the replica (healthy) and the 2 other sentinels. Prints
 * nothing; on failure stops what it started and rejects with the logs' tails.
 */
export async function startSentinel(options: SentinelOptions = {}): Promise<SentinelSetup> {
  if (!hasRedisServer()) throw new Error(MISSING_REDIS_SERVER);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const dir = mkdtempSync(join(tmpdir(), 'rs-sentinel-'));
  const data: RedisProcess[] = [];
  const watchers: RedisProcess[] = [];
  const logFiles: string[] = [];
  const kills = new Map<number, number>();
  const paused = new Set<RedisProcess>();
  let stopped = false;
  const password = options.sentinelPassword;
  /** A command to the sentinel on `port`, logged in when the sentinels require it. */
  const sentinelCommand = (port: number, args: ReadonlyArray<string | number>): Promise<RespValue> =>
    redisCommand(port, args, password === undefined ? {} : { password });

  const startData = async (name: string, replicaOf?: number): Promise<RedisProcess> => {
    const nodeDir = join(dir, name);
    mkdirSync(nodeDir);
    const conf = join(nodeDir, 'redis.conf');
    const logFile = join(nodeDir, 'redis.log');
    logFiles.push(logFile);
    return spawnRedisOnFreePort((port) => {
      rmSync(logFile, { force: true }); // only this attempt's log
      const lines = [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${nodeDir}`,
        `logfile ${logFile}`,
        'daemonize no',
        'save ""',
        'appendonly no',
        'repl-diskless-sync-delay 0',
        ...(replicaOf === undefined ? [] : [`replicaof 127.0.0.1 ${replicaOf}`]),
        ...(options.dataConfig ?? []),
      ];
      writeFileSync(conf, `${lines.join('\n')}\n`);
      return { port, logFile, args: [conf] };
    });
  };

  const startWatcher = async (index: number, primary: number): Promise<RedisProcess> => {
    const nodeDir = join(dir, `sentinel-${index}`);
    mkdirSync(nodeDir);
    const conf = join(nodeDir, 'sentinel.conf');
    const logFile = join(nodeDir, 'sentinel.log');
    logFiles.push(logFile);
    const watcher = await spawnRedisOnFreePort((port) => {
      rmSync(logFile, { force: true });
      const lines = [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${nodeDir}`,
        `logfile ${logFile}`,
        'daemonize no',
        `sentinel monitor ${NAME} 127.0.0.1 ${primary} 2`,
        `sentinel down-after-milliseconds ${NAME} 1000`,
        `sentinel failover-timeout ${NAME} ${options.failoverTimeoutMs ?? 5000}`,
        `sentinel parallel-syncs ${NAME} 1`,
        ...(password === undefined
          ? []
          : [`requirepass ${configValue(password)}`, `sentinel sentinel-pass ${configValue(password)}`]),
      ];
      writeFileSync(conf, `${lines.join('\n')}\n`);
      return { port, logFile, args: [conf, '--sentinel'], ...(password === undefined ? {} : { password }) };
    });
    if (options.fastTimers !== false) {
      await sentinelCommand(watcher.port, ['SENTINEL', 'DEBUG', 'info-period', 1000, 'publish-period', 500]);
    }
    return watcher;
  };

  const logs = (): string => logFiles.map((f) => `--- ${f}:\n${fileTail(f)}`).join('\n');
  const runningWatchers = (): RedisProcess[] => watchers.filter((w) => w.running && !paused.has(w));
  const sentinelAt = (index: number): RedisProcess => {
    const found = watchers[index];
    if (found === undefined) throw new Error(`redis sentinel: no sentinel ${index}`);
    return found;
  };
  const dataNode = (port: number): RedisProcess => {
    const found = data.find((d) => d.port === port);
    if (found === undefined) throw new Error(`redis sentinel: no data node on port ${port}`);
    return found;
  };

  /** Polls `check` until it returns undefined; rejects with its last answer and the logs. */
  const waitUntil = async (what: string, check: () => Promise<string | undefined>): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let reason: string | undefined = 'not checked';
    while (Date.now() < deadline) {
      reason = await check().catch((error: Error) => error.message);
      if (reason === undefined) return;
      await sleep(50);
    }
    throw new Error(`redis sentinel: ${what} did not happen within ${timeoutMs} ms: ${reason}\n${logs()}`);
  };

  /** The primary every running sentinel reports, if they agree. */
  const agreedPrimary = async (): Promise<number | string> => {
    const ports = await Promise.all(
      runningWatchers().map(async (w) =>
        masterPort(await sentinelCommand(w.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME])),
      ),
    );
    const [first] = ports;
    if (first === undefined || ports.some((p) => p !== first)) return `sentinels report ${ports.join(', ')}`;
    return first;
  };

  const isMaster = async (port: number): Promise<boolean> => {
    const role = await redisCommand(port, ['ROLE']).catch(() => null);
    return Array.isArray(role) && role[0] === 'master';
  };

  /** Why `port` is not yet a healthy replica of the primary in every sentinel's eyes (see waitForReplica). */
  const replicaProblem = async (port: number): Promise<string | undefined> => {
    const primary = await agreedPrimary();
    if (typeof primary === 'string') return primary;
    const info = parseInfo(await redisCommand(port, ['INFO', 'replication']));
    if (info['role'] !== 'slave' || info['master_port'] !== String(primary))
      return `${port} is not a replica of ${primary}`;
    if (info['master_link_status'] !== 'up') return `${port}: link to ${primary} is down`;
    for (const w of runningWatchers()) {
      const replicas = records(await sentinelCommand(w.port, ['SENTINEL', 'REPLICAS', NAME]));
      const entry = replicas.find((r) => r['port'] === String(port));
      if (entry?.['flags'] !== 'slave' || entry['master-link-status'] !== 'ok') {
        return `sentinel ${w.port} sees ${port} as ${entry === undefined ? 'unknown' : `${entry['flags']}, link ${entry['master-link-status']}`}`;
      }
    }
    return undefined;
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all([...watchers, ...data].map((p) => p.kill('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const primary = await startData('primary');
    data.push(primary);
    data.push(await startData('replica', primary.port));
    const started = await Promise.allSettled([0, 1, 2].map((i) => startWatcher(i, primary.port)));
    for (const result of started) if (result.status === 'fulfilled') watchers.push(result.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    await waitUntil('startup', async () => {
      for (const w of watchers) {
        const sentinels = records(await sentinelCommand(w.port, ['SENTINEL', 'SENTINELS', NAME]));
        const healthy = sentinels.filter((s) => s['flags'] === 'sentinel');
        if (healthy.length !== 2) return `sentinel ${w.port} knows ${healthy.length} of 2 other sentinels`;
      }
      return replicaProblem(data[1]!.port);
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const tail = message.includes('--- ') ? '' : `\n${logs()}`;
    await stop();
    throw new Error(`redis sentinel setup failed to start: ${message}${tail}`, { cause: error });
  }

  const setup: SentinelSetup = {
    name: NAME,
    sentinels: watchers.map((w) => ({ host: '127.0.0.1', port: w.port })),
    dataPorts: data.map((d) => d.port),
    dir,
    sentinelPassword: password,

    async primaryPort() {
      let lastError: unknown = new Error('no running sentinel');
      for (const w of runningWatchers()) {
        try {
          const port = masterPort(await sentinelCommand(w.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME]));
          if (port !== undefined) return port;
        } catch (error) {
          lastError = error;
        }
      }
      throw lastError;
    },

    async killPrimary() {
      const port = await setup.primaryPort();
      await dataNode(port).kill('SIGKILL');
      kills.set(port, Date.now());
      return port;
    },

    async waitForFailover(oldPort) {
      const began = kills.get(oldPort) ?? Date.now();
      let newPrimary = 0;
      await waitUntil(`failover away from ${oldPort}`, async () => {
        const primary = await agreedPrimary();
        if (typeof primary === 'string') return primary;
        if (primary === oldPort) return `sentinels still report ${oldPort}`;
        if (!(await isMaster(primary))) return `${primary} is not master yet`;
        newPrimary = primary;
        return undefined;
      });
      return { newPrimary, ms: Date.now() - began };
    },

    async restartOld(port, restartOptions = {}) {
      const node = dataNode(port);
      const extra =
        restartOptions.asReplica === true ? ['--replicaof', '127.0.0.1', String(await setup.primaryPort())] : [];
      await node.restart(extra);
      kills.delete(port);
      await waitUntil(`${port} back, a primary and its replica`, async () => {
        const primary = await agreedPrimary();
        if (typeof primary === 'string') return primary;
        const other = data.find((d) => d.port !== primary);
        return other === undefined ? `no data node besides ${primary}` : replicaProblem(other.port);
      });
    },

    waitForReplica: (port) => waitUntil(`${port} becoming a replica`, () => replicaProblem(port)),

    async failover() {
      const oldPort = await setup.primaryPort();
      const began = Date.now();
      const deadline = began + timeoutMs;
      for (;;) {
        const [watcher] = runningWatchers();
        if (watcher === undefined) throw new Error('redis sentinel: no running sentinel');
        try {
          await sentinelCommand(watcher.port, ['SENTINEL', 'FAILOVER', NAME]);
          break;
        } catch (error) {
          // Another failover still running, or no replica the sentinels consider fit yet.
          if (!/INPROG|NOGOODSLAVE/.test((error as Error).message) || Date.now() > deadline) throw error;
          await sleep(100);
        }
      }
      const { newPrimary } = await setup.waitForFailover(oldPort);
      return { oldPrimary: oldPort, newPrimary, ms: Date.now() - began };
    },

    async configSet(parameter, value) {
      const running = data.filter((d) => d.running);
      await Promise.all(
        running.map(async (d) => {
          await redisCommand(d.port, ['CONFIG', 'SET', parameter, value]);
          await redisCommand(d.port, ['CONFIG', 'REWRITE']);
        }),
      );
    },

    pauseSentinel(index) {
      const w = sentinelAt(index);
      process.kill(w.pid, 'SIGSTOP');
      paused.add(w);
    },

    resumeSentinel(index) {
      const w = sentinelAt(index);
      if (!paused.delete(w)) return;
      process.kill(w.pid, 'SIGCONT');
    },

    stop,
  };
  return setup;
}

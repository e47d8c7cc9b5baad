/**
 * Redis topologies for the conformance suite (test/conformance/): what the behavioural tests run
 * against. Each topology starts and stops its own servers and hands out what the library and the
 * assertions need. `single` is one private redis-server; a Redis Cluster or a Sentinel setup plugs
 * in by implementing {@link Topology} and adding itself to {@link KNOWN}. `memory` is the test
 * kit's in-memory Redis (redis-streamer/testing), on the system clock.
 *
 * The suite only sends commands through {@link Topology.client} that work on a cluster for the keys
 * of one channel (XLEN, XRANGE, XADD, XPENDING, XINFO, XGROUP, XREADGROUP, TIME, GET/EXISTS of the
 * channel's `{channel}:...` keys), so a topology may return a cluster client there.
 */
import { Cluster, Redis } from 'ioredis';
import { RedisInstance, type RedisSource, type Transport } from '../../src/index.js';
import { createTestBus, type TestBus } from '../../src/testing/index.js';
import { memoryClient } from './memory-client.js';
import { CLUSTER_CLIENT_OPTIONS, startCluster, type RedisCluster } from './redis-cluster.js';
import { startSentinel, type SentinelSetup } from './redis-sentinel.js';
import { startRedis, type RedisServer } from './redis-server.js';

/** A raw client for assertions: one server's, or a cluster's (routing by key). */
export type AssertClient = Redis | Cluster;

/** A Redis setup the conformance suite can run against. */
export interface Topology {
  /** Its name: `single`, later `cluster`, `sentinel`. Used in test names and in RS_TOPOLOGIES. */
  readonly name: string;
  /** Starts its servers (and opens {@link client}). */
  start(): Promise<void>;
  /** Closes {@link client} and stops its servers. Safe to call when start() failed or never ran. */
  stop(): Promise<void>;
  /** What `new RedisStreamer(source, ...)` takes to reach it (a URL for `single`, a transport for `memory`). */
  source(): RedisSource | Transport;
  /** A raw client for assertions, owned by the topology (closed by stop()). */
  client(): AssertClient;
  /** How many replicas each primary has (what `sendMessage(..., { replicas })` may ask for). */
  readonly replicas: number;
  /**
   * Tests of the suite this topology does not model, by name, each with the reason: they are
   * skipped (and listed as skipped with that reason). @default none
   */
  readonly unmodelled?: Readonly<Record<string, string>>;
}

/** One private redis-server from {@link startRedis}. */
export function singleServer(): Topology {
  let server: RedisServer | undefined;
  let client: Redis | undefined;
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`topology single: ${what} before start()`);
    return value;
  };
  return {
    name: 'single',
    replicas: 0,
    async start() {
      server = await startRedis();
      client = new Redis(server.url);
      client.on('error', () => {}); // reported by the commands that fail
    },
    async stop() {
      client?.disconnect();
      client = undefined;
      await server?.stop();
      server = undefined;
    },
    source: () => started(server, 'source()').url,
    client: () => started(client, 'client()'),
  };
}

/** A Redis Cluster of 3 primaries with a replica each; channels spread over the primaries. */
export function cluster(): Topology {
  let setup: RedisCluster | undefined;
  let client: Cluster | undefined;
  return {
    name: 'cluster',
    replicas: 1,
    async start() {
      setup = await startCluster();
      client = new Cluster(setup.startupNodes(), {
        ...CLUSTER_CLIENT_OPTIONS,
        retryDelayOnFailover: 300,
        retryDelayOnClusterDown: 300,
      });
      client.on('error', () => {});
    },
    async stop() {
      client?.disconnect();
      client = undefined;
      await setup?.stop();
      setup = undefined;
    },
    source: () => new RedisInstance({ cluster: started(setup, 'cluster', 'source()').startupNodes() }),
    client: () => started(client, 'cluster', 'client()'),
  };
}

/** A primary with one replica, watched by three sentinels. */
export function sentinel(): Topology {
  let setup: SentinelSetup | undefined;
  let client: Redis | undefined;
  return {
    name: 'sentinel',
    replicas: 1,
    async start() {
      setup = await startSentinel();
      client = new Redis({ sentinels: setup.sentinels, name: setup.name });
      client.on('error', () => {});
    },
    async stop() {
      client?.disconnect();
      client = undefined;
      await setup?.stop();
      setup = undefined;
    },
    source: () => {
      const s = started(setup, 'sentinel', 'source()');
      return new RedisInstance({ sentinels: s.sentinels, primaryName: s.name });
    },
    client: () => started(client, 'sentinel', 'client()'),
  };
}

/**
 * What the suite would test that the in-memory Redis does not model, by test name. None today: the
 * suite's tests use consumer groups, pending lists, retries, reclaim from a consumer that stopped
 * reading, replays, retention and publishing, all modelled. What the kit does not model (process
 * crashes, connection faults, failovers, memory limits, cluster slots) is tested in test/faults/
 * and test/scale-out/ on real servers only; docs/testing.md lists it.
 */
export const MEMORY_UNMODELLED: Readonly<Record<string, string>> = {};

/** The test kit's in-memory Redis (one store per topology), on the system clock as the suite's waits need. */
export function memory(): Topology {
  let bus: TestBus | undefined;
  return {
    name: 'memory',
    replicas: 0,
    unmodelled: MEMORY_UNMODELLED,
    start() {
      bus = createTestBus({ time: 'system' });
      return Promise.resolve();
    },
    async stop() {
      await bus?.close();
      bus = undefined;
    },
    source: () => started(bus, 'memory', 'source()').transport,
    client: () => memoryClient(started(bus, 'memory', 'client()')),
  };
}

function started<T>(value: T | undefined, topology: string, what: string): T {
  if (value === undefined) throw new Error(`topology ${topology}: ${what} before start()`);
  return value;
}

/** Every topology this file can build, by name. */
const KNOWN: Readonly<Record<string, () => Topology>> = { single: singleServer, cluster, sentinel, memory };

/** The topology names this file knows. */
export function knownTopologies(): string[] {
  return Object.keys(KNOWN);
}

/**
 * The topology names requested by `RS_TOPOLOGIES` (a comma-separated list, e.g. `single,cluster`),
 * or every known one when it is unset or empty. Names are trimmed; duplicates are dropped.
 */
export function requestedTopologies(env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = env['RS_TOPOLOGIES'] ?? '';
  const names = raw
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  return names.length === 0 ? knownTopologies() : [...new Set(names)];
}

/**
 * The topologies to run: those named in `RS_TOPOLOGIES` that this file knows (all of `single`
 * when it is unset). Requested names it does not know yet are left out: see {@link requestedTopologies}
 * and {@link knownTopologies} to report them.
 */
export function topologies(env: NodeJS.ProcessEnv = process.env): Topology[] {
  return requestedTopologies(env)
    .filter((name) => Object.hasOwn(KNOWN, name))
    .map((name) => (KNOWN[name] as () => Topology)());
}

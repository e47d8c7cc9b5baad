/**
 * `--cluster` only: consume throughput over 6 channels (two per primary) on a 3-primary Redis
 * Cluster beside the same 6 channels on one server, runs interleaved. On a machine of few cores the
 * cluster brings no speed-up (its three servers share the cores with the client); what is checked
 * is that the cluster path adds no cost per message in the client.
 */
import { Cluster } from 'ioredis';
import { RedisInstance } from '../../src/index.js';
import { CLUSTER_CLIENT_OPTIONS, startCluster, type RedisCluster } from '../../test/support/redis-cluster.js';
import { timeConsume, type Consumed } from '../library-consume.js';
import { body, check, fmt, median, nextName, ratio, type BenchContext, type Scenario } from '../support.js';

const CHANNELS = 6;

/** Fills a stream with `n` entries, pipelined (one slot per pipeline, as a cluster wants). */
async function fill(client: Cluster | BenchContext['client'], stream: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    const pipeline = client.pipeline();
    for (let k = i; k < Math.min(n, i + 1000); k++) pipeline.xadd(stream, '*', 'name', 'bench.event', 'body', body(k));
    await pipeline.exec();
  }
}

/** Channel names, two on each primary. */
async function spreadChannels(cluster: RedisCluster): Promise<string[]> {
  const byPrimary = new Map<number, string[]>();
  for (let i = 0; byPrimary.size < 3 || [...byPrimary.values()].some((l) => l.length < 2); i++) {
    const name = nextName(`cluster-${i}`);
    const { port } = await cluster.primaryFor(name);
    const list = byPrimary.get(port) ?? [];
    if (list.length < 2) byPrimary.set(port, [...list, name]);
  }
  return [...byPrimary.values()].flat();
}

/** Connections named for the bench service on every primary. */
async function clusterConnections(client: Cluster): Promise<number> {
  const lists = await Promise.all(client.nodes('master').map(async (node) => String(await node.client('LIST'))));
  return lists
    .join('\n')
    .split('\n')
    .filter((line) => line.includes(' name=redis-streamer:bench:')).length;
}

async function onCluster(
  cluster: RedisCluster,
  client: Cluster,
  perChannel: number,
): Promise<Consumed & { connections: number }> {
  const channels = await spreadChannels(cluster);
  for (const channel of channels) await fill(client, channel, perChannel);
  let connections = 0;
  const redis = new RedisInstance({ cluster: cluster.startupNodes() });
  const total = perChannel * CHANNELS;
  const beforeClose = async (): Promise<void> => void (connections = await clusterConnections(client));
  const result = await timeConsume({ redis, channels, total, beforeClose });
  for (const channel of channels) await client.del(channel);
  return { ...result, connections };
}

async function onOneServer(ctx: BenchContext, perChannel: number): Promise<Consumed> {
  await ctx.client.flushall();
  const channels = Array.from({ length: CHANNELS }, () => nextName('single'));
  for (const channel of channels) await fill(ctx.client, channel, perChannel);
  return timeConsume({ redis: ctx.url, channels, total: perChannel * CHANNELS });
}

export const cluster: Scenario = {
  name: 'cluster',
  async run(ctx) {
    const perChannel = ctx.smoke ? 500 : 30_000;
    const redisCluster = await startCluster({ primaries: 3, replicasPerPrimary: 0 });
    const client = new Cluster(redisCluster.startupNodes(), CLUSTER_CLIENT_OPTIONS);
    client.on('error', () => {});
    const onCl: Array<Consumed & { connections: number }> = [];
    const single: Consumed[] = [];
    try {
      for (let r = 0; r < ctx.runs; r++) {
        onCl.push(await onCluster(redisCluster, client, perChannel));
        single.push(await onOneServer(ctx, perChannel));
      }
    } finally {
      client.disconnect();
      await redisCluster.stop();
    }
    const c = { rate: median(onCl.map((x) => x.rate)), cpu: median(onCl.map((x) => x.cpuMicrosPerMessage)) };
    const s = { rate: median(single.map((x) => x.rate)), cpu: median(single.map((x) => x.cpuMicrosPerMessage)) };
    const connections = Math.max(...onCl.map((x) => x.connections));
    return {
      figures: {
        channels: CHANNELS,
        perChannel,
        cluster: c,
        oneServer: s,
        connections,
        clusterRuns: onCl,
        oneServerRuns: single,
      },
      rows: [
        [
          'consume, 6 channels, one server: throughput, CPU per message',
          `${fmt(s.rate)} msg/s, ${fmt(s.cpu, 2)} µs`,
          '',
          '',
        ],
        [
          'consume, 6 channels, 3-primary cluster: throughput',
          `${fmt(c.rate)} msg/s`,
          `${ratio(c.rate, s.rate)} one server`,
          '',
        ],
        [
          'consume, 6 channels, 3-primary cluster: client CPU per message',
          `${fmt(c.cpu, 2)} µs`,
          `${ratio(c.cpu, s.cpu)} one server`,
          check(ctx, c.cpu <= 1.1 * s.cpu, '<= 1.1× one server'),
        ],
        ['consume, 6 channels, 3-primary cluster: connections (sockets on all primaries)', `${connections}`, '', ''],
      ],
    };
  },
};

/**
 * `npm run bench`: measures the library beside its baselines in the same run, against a private
 * redis-server, prints a table with ratios and target checks (PASS / MISS), and writes
 * bench/results.json. Every figure is the median of several runs. Each scenario is a file of
 * bench/scenarios/; this file only runs them.
 *
 * Flags:
 * - `--smoke`: tiny sizes, one run, to check that the benchmark works (CI runs it); results go to
 *   bench/results.tmp.json;
 * - `--cluster`: also the Redis Cluster scenario (starts a 3-primary cluster);
 * - `--only=<name>,...`: only these scenarios (consume, contracts, publish, latency, manyChannels,
 *   slowHandler10ms, memory, clients, testKit, nestjs, otel, cluster, outbox); results go to bench/results.tmp.json;
 * - `--client=ioredis` or `--client=node-redis`: only that client library. By default every scenario
 *   runs twice, on the ioredis adapter then on the node-redis adapter (the connections the library
 *   opens, in this process and in the scenarios' child processes), and a third table gives each
 *   figure's node-redis / ioredis ratio. The `clients` scenario compares the two itself: it runs once.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { Redis } from 'ioredis';
import { setDefaultClient, type RedisClientName } from '../src/connection/client-choice.js';
import { startRedis } from '../test/support/redis-server.js';
import { compareClients } from './compare-clients.js';
import { clients } from './scenarios/clients.js';
import { cluster } from './scenarios/cluster.js';
import { otel } from './scenarios/otel.js';
import { consume } from './scenarios/consume.js';
import { contracts } from './scenarios/contracts.js';
import { guardMemory } from './scenarios/guard-memory.js';
import { latency } from './scenarios/latency.js';
import { manyChannels } from './scenarios/many-channels.js';
import { nestjs } from './scenarios/nestjs.js';
import { outbox } from './scenarios/outbox.js';
import { publish } from './scenarios/publish.js';
import { slowHandler } from './scenarios/slow-handler.js';
import { testKit } from './scenarios/test-kit.js';
import type { BenchContext, Row, Scenario } from './support.js';

const smoke = process.argv.includes('--smoke');
const withCluster = process.argv.includes('--cluster');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const clientFlag = process.argv.find((a) => a.startsWith('--client='))?.slice('--client='.length);
if (clientFlag !== undefined && clientFlag !== 'ioredis' && clientFlag !== 'node-redis') {
  throw new Error(`--client must be ioredis or node-redis, got ${clientFlag}`);
}
const passes: RedisClientName[] = clientFlag === undefined ? ['ioredis', 'node-redis'] : [clientFlag];

const scenarios: Scenario[] = [
  consume,
  contracts,
  publish,
  latency,
  manyChannels,
  slowHandler,
  guardMemory,
  clients,
  testKit,
  nestjs,
  outbox,
];
if (withCluster || only?.includes('cluster') === true) scenarios.push(cluster);
scenarios.push(otel);
const selected = only === undefined ? scenarios : scenarios.filter((s) => only.includes(s.name));

const server = await startRedis({ args: ['--maxmemory-policy', 'noeviction'] });
const client = new Redis(server.url);
const ctx: BenchContext = { smoke, runs: smoke ? 1 : 3, url: server.url, client };

console.log(
  `redis-streamer benchmark${smoke ? ' (smoke mode: tiny sizes, 1 run, figures meaningless)' : ''}, median of ${ctx.runs} runs${smoke ? '' : ' (latency: 5)'}`,
);
const info = String(await client.info('server'));
const machine = {
  cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
  note: 'client processes and redis-server share the machine (loopback)',
};
console.log(JSON.stringify(machine));

const figures: Record<string, Record<string, object>> = {};
const tables: Record<string, Row[]> = {};
for (const name of passes) {
  // The library's connections in this process, and in the child processes (they read RS_CLIENT).
  setDefaultClient(name);
  process.env['RS_CLIENT'] = name;
  const rows: Row[] = [];
  figures[name] = {};
  for (const scenario of selected) {
    if (scenario === clients && name !== passes[0]) continue; // it runs both clients itself
    const started = performance.now();
    const result = await scenario.run(ctx);
    figures[name][scenario.name] = result.figures;
    rows.push(...result.rows);
    console.error(`${scenario.name} (${name}): ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  tables[name] = rows;
}

for (const name of passes) {
  if (passes.length > 1) console.log(`\nOn the ${name} adapter:\n`);
  printTable(['scenario', 'figure', 'ratio', 'target'], tables[name] ?? []);
}
if (passes.length > 1) {
  console.log('\nnode-redis / ioredis, figure by figure (rates: higher is better; times: lower is better):\n');
  printTable(
    ['scenario', 'ioredis', 'node-redis', 'node-redis / ioredis'],
    compareClients(tables['ioredis'] ?? [], tables['node-redis'] ?? []),
  );
}

writeFileSync(
  smoke || only !== undefined ? 'bench/results.tmp.json' : 'bench/results.json',
  `${JSON.stringify({ date: new Date().toISOString(), smoke, runs: ctx.runs, machine, figures, tables }, null, 2)}\n`,
);
client.disconnect();
await server.stop();

function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => `| ${widths.map((w, i) => (r[i] ?? '').padEnd(w)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

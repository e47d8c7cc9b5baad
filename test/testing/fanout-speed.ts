/**
 * Not a test: prints how long a 1,000-message fan-out takes through the port layer, on the
 * in-memory store and on a private redis-server, with the library's own scripts and port calls
 * (publish-1.lua in one call, then per group: reads of 100 between the guard scripts, an XACK per
 * batch). Run: node --import tsx test/testing/fanout-speed.ts
 * The figure for the whole kit (streamer, handlers, strategies) belongs in `npm run bench`.
 */
import type { RedisPort } from '../../src/connection/port.js';
import { portFactory } from '../../src/connection/port-factory.js';
import { scripts } from '../../src/scripts/index.js';
import { ManualClock } from '../../src/testing/memory/clock.js';
import { MemoryPort } from '../../src/testing/memory/memory-port.js';
import { MemoryStore } from '../../src/testing/memory/store/store.js';
import { startRedis } from '../support/redis-server.js';

const MESSAGES = 1000;
const GROUPS = ['billing', 'audit', 'search'];

async function fanOut(port: RedisPort, channel: string): Promise<number> {
  const args: Array<string | number> = [MESSAGES];
  for (let i = 0; i < MESSAGES; i++) args.push(2, 'name', 'order.created', 'body', JSON.stringify({ i }));
  for (const g of GROUPS) await scripts.createGroup.run(port, [channel, `{${channel}}:groups`], [g, '$']);
  const started = performance.now();
  await scripts.publish.run(port, [channel], args);
  let handled = 0;
  for (const g of GROUPS) {
    const mark = `{${channel}}:guard:${g}`;
    for (;;) {
      const { entries } = await port.readBetweenScripts(
        { group: g, consumer: 'c', key: channel, count: 100, noAck: false },
        { script: scripts.guardBeforeRead, keys: [channel, mark], args: [g, 86_400_000] },
        { script: scripts.guardAfterRead, keys: [channel, mark, `{${channel}}:replay:${g}`], args: [g] },
      );
      if (entries.length === 0) break;
      handled += entries.length;
      await port.xack(
        channel,
        g,
        entries.map((e) => e[0]),
      );
    }
  }
  if (handled !== MESSAGES * GROUPS.length) throw new Error(`handled ${handled}`);
  return performance.now() - started;
}

async function best(runs: number, once: (i: number) => Promise<number>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < runs; i++) min = Math.min(min, await once(i));
  return min;
}

const server = await startRedis();
const real = portFactory(server.url).open('bench', { kind: 'command' });
await real.connect();
const store = new MemoryStore({ clock: new ManualClock(Date.now()) });
const memory = new MemoryPort(store, { label: 'bench' });
try {
  const redisMs = await best(20, (i) => fanOut(real, `speed-${i}`));
  const memoryMs = await best(20, (i) => fanOut(memory, `speed-${i}`));
  console.log(
    `1,000 messages to ${GROUPS.length} groups: redis-server ${redisMs.toFixed(1)} ms, in-memory ${memoryMs.toFixed(1)} ms (${(redisMs / memoryMs).toFixed(1)}x)`,
  );
} finally {
  await real.close();
  await memory.close();
  await server.stop();
}

/**
 * The consumer side of the paced benchmarks, in its own process (as a real consuming service
 * would be): it records publish->handler latency from a wall-clock stamp in each body, and the CPU
 * time the process spends. Prints "ready" once consuming; then reads commands from stdin, one a
 * line: "go" forgets what came before (warm-up) and starts counting CPU time, "stop" stops and
 * prints `{ "samples": [ms...], "cpuMicros": n }` as one JSON line.
 *
 * argv: <redis url> <library | loop> <service> <channel prefix> <channel count>
 * (`loop` is the hand-written blocking XREADGROUP loop, on one channel.)
 */
// The client library of this run (RS_CLIENT, set by bench/run.ts for each pass).
import '../test/support/client-choice.js';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { RedisStreamer, silentLogger } from '../src/index.js';
import { channelNames, wallNow } from './support.js';

const [url, kind, service, prefix, count] = process.argv.slice(2) as [
  string,
  'library' | 'loop',
  string,
  string,
  string,
];
const channels = channelNames(prefix, Number(count));
let samples: number[] = [];
let stop: () => Promise<void>;

if (kind === 'library') {
  const consumer = new RedisStreamer(url, service, { logger: silentLogger });
  for (const channel of channels) {
    await consumer.subscribe(channel);
    consumer.registerHandler(channel, (_n, p) => void samples.push(wallNow() - (p as { t: number }).t));
  }
  const run = consumer.persistConsume();
  stop = async () => {
    await consumer.cleanup();
    await run;
  };
} else {
  // The hand-written loop, blocking on XREADGROUP, one XACK per batch.
  const stream = channels[0]!;
  const client = new Redis(url);
  await client.xgroup('CREATE', stream, 'loop', '$', 'MKSTREAM');
  let running = true;
  const loop = (async () => {
    while (running) {
      const reply = (await client.xreadgroup(
        'GROUP',
        'loop',
        'c',
        'COUNT',
        500,
        'BLOCK',
        200,
        'STREAMS',
        stream,
        '>',
      )) as Array<[string, Array<[string, string[]]>]> | null;
      if (reply === null) continue;
      const ids: string[] = [];
      for (const [id, fields] of reply[0]![1]) {
        samples.push(wallNow() - (JSON.parse(fields[3]!) as { t: number }).t);
        ids.push(id);
      }
      await client.xack(stream, 'loop', ...ids);
    }
  })();
  stop = async () => {
    running = false;
    await loop;
    client.disconnect();
  };
}

let cpu0 = process.cpuUsage();
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line === 'go') {
    samples = [];
    cpu0 = process.cpuUsage();
  } else if (line === 'stop') {
    const cpu = process.cpuUsage(cpu0);
    const result = { samples, cpuMicros: cpu.user + cpu.system };
    lines.close();
    void stop().then(() => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.stdin.destroy();
    });
  }
});
process.stdout.write('ready\n');

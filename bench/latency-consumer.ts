/**
 * The consumer side of the latency benchmark, in its own process (as a real consuming service
 * would be): it records publish->handler latency from a wall-clock stamp in each body. Prints
 * "ready", then on any stdin input stops and prints the samples as JSON.
 *
 * argv: <redis url> <stream> <library | loop>
 */
import { Redis } from 'ioredis';
import { RedisStreamer, silentLogger } from '../src/index.js';

const [url, stream, kind] = process.argv.slice(2) as [string, string, 'library' | 'loop'];
const now = (): number => performance.timeOrigin + performance.now();
const samples: number[] = [];
let stop: () => Promise<void>;

if (kind === 'library') {
  const consumer = new RedisStreamer(url, 'latency', { logger: silentLogger });
  await consumer.subscribe(stream);
  consumer.registerHandler(stream, (_n, p) => void samples.push(now() - (p as { t: number }).t));
  const run = consumer.persistConsume();
  stop = async () => {
    await consumer.cleanup();
    await run;
  };
} else {
  // The hand-written loop, blocking on XREADGROUP.
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
        samples.push(now() - (JSON.parse(fields[3]!) as { t: number }).t);
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
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  void stop().then(() => {
    process.stdout.write(`${JSON.stringify(samples)}\n`);
    process.stdin.destroy();
  });
});

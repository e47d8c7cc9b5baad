/**
 * A consumer on a Redis Cluster for the exit test: it subscribes to a channel, consumes (the
 * channel's read on a connection of its own), prints "ready" once it handled a message, and on
 * SIGTERM calls cleanup(), prints "cleaned in <ms> ms" and the resources still active (see
 * active-resources.ts), and must then exit by itself: the parent SIGKILLs the primary that owns
 * the channel just before, so a read is cut by the failover.
 *
 * argv: <port,port,...> of the cluster's nodes, <channel>
 */
import { RedisInstance, RedisStreamer } from '../../src/index.js';
import { reportActiveResources } from './active-resources.js';

const ports = (process.argv[2] ?? '').split(',').map(Number);
const channel = process.argv[3] ?? 'cluster-consumer';
const streamer = new RedisStreamer(
  new RedisInstance({ cluster: ports.map((port) => ({ host: '127.0.0.1', port })) }),
  'cluster-consumer',
  { shutdownTimeoutMs: 300, delivery: 'at-least-once' },
);
streamer.on('error', () => {}); // the failover fails reads and acknowledgements
await streamer.subscribe(channel);
let handled = false;
streamer.registerHandler(channel, () => void (handled = true));
const run = streamer.persistConsume({ blockMs: 1000 });
await streamer.sendMessage(channel, { name: 'n', body: { pid: process.pid } });
while (!handled) await new Promise((r) => setTimeout(r, 10));
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  const started = Date.now();
  void streamer.cleanup().then(async () => {
    await run.catch(() => {});
    process.stdout.write(`cleaned in ${Date.now() - started} ms\n`);
    await reportActiveResources((line) => process.stdout.write(line));
  });
});

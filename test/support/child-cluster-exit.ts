/**
 * An application on a Redis Cluster for the exit test: it subscribes, publishes and consumes one
 * message, prints "ready", and on a line "stop" on stdin calls cleanup() and prints "cleaned"; it
 * must then exit by itself. The parent pauses every node (CLIENT PAUSE) before "stop", so that
 * ioredis' periodic slot-map refresh is in flight when the connections close.
 *
 * argv: <port,port,...> of the cluster's nodes
 */
import './client-choice.js';
import { RedisInstance, RedisStreamer } from '../../src/index.js';

const ports = (process.argv[2] ?? '').split(',').map(Number);
const channel = `cluster-exit-${process.pid}`;
const streamer = new RedisStreamer(
  new RedisInstance({ cluster: ports.map((port) => ({ host: '127.0.0.1', port })) }),
  'cluster-exit',
  { shutdownTimeoutMs: 300 },
);
streamer.on('error', () => {}); // the paused nodes time commands out
await streamer.subscribe(channel);
let handled = false;
streamer.registerHandler(channel, () => void (handled = true));
const run = streamer.persistConsume({ blockMs: 500 });
await streamer.sendMessage(channel, { name: 'n', body: {} });
while (!handled) await new Promise((r) => setTimeout(r, 10));
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  void streamer.cleanup().then(async () => {
    await run;
    process.stdout.write('cleaned\n');
    process.stdin.destroy();
  });
});

/**
 * A consuming application for shutdown fault tests. It prints "ready" once consuming; on a line
 * "stop" on stdin it calls cleanup(), then must exit by itself (the resources still active are printed: see active-resources.ts). Modes:
 * - `redis-down`: the parent kills Redis before "stop": cleanup must not wait for it;
 * - `late-handler`: a handler runs far longer than shutdownTimeoutMs: cleanup returns without it,
 *   and the handler's late acknowledgement must not reopen anything.
 *
 * argv: <redis url> <mode>
 */
import './client-choice.js';
import { RedisStreamer } from '../../src/index.js';
import { reportActiveResources } from './active-resources.js';

const [url, mode] = process.argv.slice(2) as [string, 'redis-down' | 'late-handler'];
const channel = `child-stop-${process.pid}`;
const streamer = new RedisStreamer(url, 'child-stop', {
  delivery: 'at-least-once',
  shutdownTimeoutMs: 300,
  claimIntervalMs: 100,
});
streamer.on('error', () => {}); // expected while Redis is down
// Says when its connections noticed Redis went away (the parent waits for that before "stop").
streamer.once('reconnect', () => process.stdout.write('reconnecting\n'));
await streamer.subscribe(channel);
let started = false;
streamer.registerHandler(channel, async () => {
  started = true;
  if (mode === 'late-handler') await new Promise((r) => setTimeout(r, 1500));
});
const run = streamer.persistConsume({ blockMs: 1000, cleanupIntervalMs: 200, ledgerIntervalMs: 200 });
await streamer.sendMessage(channel, { name: 'n', body: {} });
while (!started) await new Promise((r) => setTimeout(r, 10));
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  const t0 = Date.now();
  void streamer.cleanup().then(async () => {
    await run;
    process.stdout.write(`cleaned in ${Date.now() - t0} ms\n`);
    process.stdin.destroy();
    // Sockets that were still connecting to a dead server when closed finish failing first.
    await reportActiveResources((line) => process.stdout.write(line));
  });
});

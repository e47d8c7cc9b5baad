/**
 * A small application used by the shutdown test: it uses every part of the library (publish,
 * subscribe, consume, maintenance, stats, dead letters), then calls cleanup() and must exit by
 * itself, with no process.exit(). It prints the resources still active after cleanup.
 */
import './client-choice.js';
import { RedisStreamer, silentLogger } from '../../src/index.js';

const url = process.argv[2] ?? 'redis://127.0.0.1:6379';
const mode = (process.argv[3] ?? 'at-most-once') as 'at-most-once' | 'at-least-once';
const channel = `child-${process.pid}`;
const streamer = new RedisStreamer(url, 'child-app', { logger: silentLogger, delivery: mode, claimIntervalMs: 100 });
await streamer.subscribe(channel);
streamer.registerChannel(channel, { retentionMs: 60_000 });
let handled = 0;
streamer.registerHandler(channel, (name) => {
  if (name === 'fail') throw new Error('fails');
  handled++;
});
const run = streamer.persistConsume({ blockMs: 1000, cleanupIntervalMs: 200, ledgerIntervalMs: 200 });
await streamer.sendMessages(channel, [
  { name: 'ok', body: { i: 1 } },
  { name: 'ok', body: { i: 2 } },
  { name: 'fail', body: {} },
]);
while (handled < 2) await new Promise((r) => setTimeout(r, 10));
await streamer.getStats();
await streamer.deadLetters(channel).list();
await streamer.cleanup();
await run;
const left = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
process.stdout.write(`cleaned ${JSON.stringify(left)}\n`);

/**
 * A consumer process for fault tests. It consumes one channel and records every message it handles
 * in a Redis hash (message index -> times handled) before the handler returns, so a record survives
 * a SIGKILL right after it. Prints "ready" once consuming; SIGTERM shuts it down cleanly.
 *
 * argv: <redis url> <channel> <service> <delivery> <results hash> [options JSON]
 */
import './client-choice.js';
import { Redis } from 'ioredis';
import { RedisStreamer, silentLogger, type DeliveryMode } from '../../src/index.js';

const [url, channel, service, delivery, results, extra] = process.argv.slice(2) as [
  string,
  string,
  string,
  DeliveryMode,
  string,
  string | undefined,
];
const options = JSON.parse(extra ?? '{}') as { handlerMs?: number; claimIdleMs?: number; blockMs?: number };
const recorder = new Redis(url, { maxRetriesPerRequest: 1 });
recorder.on('error', () => {});
const streamer = new RedisStreamer(url, service, {
  logger: silentLogger,
  delivery,
  claimIdleMs: options.claimIdleMs ?? 1000,
  claimIntervalMs: 100,
  retryBaseMs: 100,
  retryMaxMs: 1000,
  maxAttempts: 1000,
});
await streamer.subscribe(channel, { startFromLatest: false });
streamer.registerHandler(channel, async (_name, payload) => {
  const { i } = payload as { i: number };
  await recorder.hincrby(results, String(i), 1);
  if (options.handlerMs !== undefined) await new Promise((r) => setTimeout(r, options.handlerMs));
});
const run = streamer.persistConsume({ blockMs: options.blockMs ?? 1000, count: 16, maxCount: 64 });
process.on('SIGTERM', () => {
  void streamer.cleanup().then(() => recorder.quit());
});
process.stdout.write('ready\n');
await run;

/**
 * Example 9: monitoring a streamer with `getStats()` (dtpyfw's "Statistics Monitoring").
 *
 * `getStats()` gives dtpyfw's fields (in camelCase: service, consumer, subscriptions, channels,
 * dedupWindowMs, lastLedgerCleanup, maintenanceRunning), this process's counters (delivered,
 * handled, failed, dead-lettered...) and, per channel, what Redis says of the service's consumer
 * group: lag, pending, consumers, dead letters. They are printed before consuming, by a monitor
 * every STATS_EVERY_MS while consuming (default: a minute, so not in this short run), and at the end.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/09-stats-monitoring.ts
 */
import { createClient } from 'redis';
import { RedisStreamer } from 'redis-streamer';

const url = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
const events = `example.events.${process.pid}`; // a channel of this run only
const EVENTS = 5;

async function printStats(streamer: RedisStreamer, when: string): Promise<void> {
  const stats = await streamer.getStats();
  const group = stats.perChannel[events]?.redis;
  console.log(`Consumer stats (${when}):`);
  console.log(`  service: ${stats.service}, subscriptions: ${stats.subscriptions}, consuming: ${stats.consuming}`);
  console.log(`  maintenance running: ${stats.maintenanceRunning}, delivery: ${stats.delivery}`);
  console.log(`  delivered: ${stats.delivered}, handled: ${stats.handled}, failed: ${stats.failed}`);
  console.log(`  group lag: ${group?.lag}, pending: ${group?.pending}, consumers: ${group?.consumerCount}`);
}

/** Prints the stats every `everyMs` until the signal is aborted. */
function monitorStats(streamer: RedisStreamer, everyMs: number, signal: AbortSignal): void {
  const print = (): void => void printStats(streamer, 'monitor').catch((err: unknown) => console.error(err));
  const timer = setInterval(print, everyMs);
  signal.addEventListener('abort', () => clearInterval(timer));
}

const streamer = new RedisStreamer(url, 'monitored-service');
let handled = 0;
let finish = (): void => {};
const done = new Promise<void>((resolve) => (finish = resolve));
await streamer.subscribe(events);
streamer.registerHandler(events, (name: string) => {
  console.log(`Processing: ${name}`);
  if (++handled === EVENTS) finish();
});
await printStats(streamer, 'subscribed, not consuming yet');
const consuming = streamer.persistConsume({ blockMs: 1000 });
const stopMonitor = new AbortController();
monitorStats(streamer, Number(process.env['STATS_EVERY_MS'] ?? 60_000), stopMonitor.signal);

const publisher = new RedisStreamer(url, 'publisher');
for (let i = 1; i <= EVENTS; i++) await publisher.sendMessage(events, { name: `event.${i}`, body: { i } });
await done;
await printStats(streamer, `after ${EVENTS} events`);

stopMonitor.abort();
await Promise.all([streamer.close(), publisher.close()]);
await consuming;
await removeChannels(url, events);

/** Deletes the channels and the keys the library keeps beside them (`{channel}:...`): Redis is left as it was. */
async function removeChannels(redisUrl: string, ...channels: string[]): Promise<void> {
  const redis = await createClient({ url: redisUrl }).connect();
  for (const channel of channels) await redis.del([channel, ...(await redis.keys(`{${channel}}:*`))]);
  await redis.close();
}

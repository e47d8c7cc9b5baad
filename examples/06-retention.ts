/**
 * Example 6: channel retention (dtpyfw's "Channel Retention Management").
 *
 * Streams grow until something trims them. `setRetention(channel, { retentionMs, maxLen })`
 * (dtpyfw's `register_channel`) tells a streamer's maintenance how long a channel keeps its entries
 * and, optionally, its longest length. Maintenance runs at the start of `persistConsume()` and then
 * every `cleanupIntervalMs` (default 5 min); `cleanupChannels()` runs it now. Trimming by age never
 * removes an entry that a live consumer group has not read yet; `maxLen` is a hard cap (unread
 * entries it drops are counted, and reported by the 'trimmedUnread' event).
 *
 * Here the `reporting` service reads ten entries from each of three channels; the `archiver`
 * service subscribed to user activity but is down (it has read nothing). Then the
 * `retention-service` applies the retention: CPU metrics keep 300 ms (an hour in real life): all
 * ten go; user activity keeps at most 5 entries: 5 go although the archiver has not read them;
 * audit logs keep 90 days: none go.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/06-retention.ts
 */
import { createClient } from 'redis';
import { RedisStreamer, silentLogger } from 'redis-streamer';

const url = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
const run = process.pid; // channels of this run only
const channels = {
  cpu: `example.metrics.cpu.${run}`,
  activity: `example.user.activity.${run}`,
  audit: `example.audit.logs.${run}`,
};
const DAY = 24 * 60 * 60 * 1000;
const ENTRIES = 10;

const maintainer = new RedisStreamer(url, 'retention-service', { logger: silentLogger }); // the event below says it
maintainer.setRetention(channels.cpu, { retentionMs: 300 }); // in production: 60 * 60 * 1000 (1 h)
maintainer.setRetention(channels.activity, { retentionMs: 7 * DAY, maxLen: 5 });
maintainer.setRetention(channels.audit, { retentionMs: 90 * DAY });
// Were it consuming, its maintenance would run every minute:
//   maintainer.persistConsume({ cleanupIntervalMs: 60_000 }) (dtpyfw's cleanup_interval=60.0)

maintainer.on('error', (err, where) => console.error(`error (${where.phase}): ${err.message}`)); // the logger is silent
maintainer.on('trimmedUnread', (event) => {
  const kind = Object.entries(channels).find(([, channel]) => channel === event.channel)![0];
  console.log(`trimmedUnread: ${kind} lost ${event.removedUnreadMaxLen} entries a group had not read`);
});

// A service that subscribed to user activity and is down: its consumer group has read nothing.
const archiver = new RedisStreamer(url, 'archiver');
await archiver.subscribe(channels.activity);

// The service that reads the channels.
const reporting = new RedisStreamer(url, 'reporting');
let read = 0;
let allRead = (): void => {};
const done = new Promise<void>((resolve) => (allRead = resolve));
for (const channel of Object.values(channels)) {
  await reporting.subscribe(channel);
  reporting.registerHandler(channel, () => {
    if (++read === 3 * ENTRIES) allRead();
  });
}
const consuming = reporting.persistConsume({ blockMs: 1000 });

const publisher = new RedisStreamer(url, 'publisher');
for (const [kind, channel] of Object.entries(channels)) {
  const entries = Array.from({ length: ENTRIES }, (_, i) => ({ name: `${kind}.recorded`, body: { seq: i } }));
  await publisher.sendMessages(channel, entries);
}
await done;
console.log(`reporting read all ${read} entries`);
await new Promise((r) => setTimeout(r, 400)); // the CPU samples are now older than 300 ms

const redis = await createClient({ url }).connect();
for (const result of await maintainer.cleanupChannels()) {
  const kind = Object.entries(channels).find(([, channel]) => channel === result.channel)![0];
  const left = await redis.xLen(result.channel);
  console.log(`${kind}: removed ${result.removedRead} read, ${result.removedUnreadMaxLen} unread; ${left} left`);
}
await redis.close();

await Promise.all([reporting.close(), maintainer.close(), archiver.close(), publisher.close()]);
await consuming;
await removeChannels(url, ...Object.values(channels));

/** Deletes the channels and the keys the library keeps beside them (`{channel}:...`): Redis is left as it was. */
async function removeChannels(redisUrl: string, ...names: string[]): Promise<void> {
  const client = await createClient({ url: redisUrl }).connect();
  for (const channel of names) await client.del([channel, ...(await client.keys(`{${channel}}:*`))]);
  await client.close();
}

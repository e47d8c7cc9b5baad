/**
 * Example 5: `await using`, the TypeScript form of dtpyfw's `async with` (its "Context Manager
 * Pattern").
 *
 * A streamer declared with `await using` is closed when its scope ends, however it ends (a return,
 * an exception): `close()` (dtpyfw's `cleanup()`) stops consuming, lets running handlers finish and
 * closes every connection. Here consumption stops after two events through an AbortSignal, the
 * scope ends, and the streamer is closed: using it afterwards throws ClosedError.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/05-await-using.ts
 */
import { createClient } from 'redis';
import { ClosedError, RedisStreamer } from 'redis-streamer';

const url = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
const events = `example.events.${process.pid}`; // a channel of this run only

async function runService(): Promise<RedisStreamer> {
  await using streamer = new RedisStreamer(url, 'service');
  await using publisher = new RedisStreamer(url, 'publisher');
  const stop = new AbortController();
  let seen = 0;

  await streamer.subscribe(events);
  streamer.registerHandler(events, (name: string) => {
    console.log(`Event: ${name}`);
    if (++seen === 2) stop.abort(); // what a SIGTERM handler would do
  });
  const consuming = streamer.persistConsume({ blockMs: 1000, signal: stop.signal });
  await publisher.sendMessage(events, { name: 'user.signed-up', body: { userId: 'u-1' } });
  await publisher.sendMessage(events, { name: 'user.verified', body: { userId: 'u-1' } });

  await consuming; // resolves when the signal is aborted
  console.log('Consumption stopped; leaving the scope closes both streamers');
  return streamer;
}

const streamer = await runService();
try {
  await streamer.sendMessage(events, { name: 'too.late', body: {} });
} catch (err) {
  if (!(err instanceof ClosedError)) throw err;
  console.log(`After the scope: ${err.name} (${err.code})`);
}
await removeChannels(url, events);

/** Deletes the channels and the keys the library keeps beside them (`{channel}:...`): Redis is left as it was. */
async function removeChannels(redisUrl: string, ...channels: string[]): Promise<void> {
  const redis = await createClient({ url: redisUrl }).connect();
  for (const channel of channels) await redis.del([channel, ...(await redis.keys(`{${channel}}:*`))]);
  await redis.close();
}

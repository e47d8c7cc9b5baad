/**
 * Example 4: errors, retries and dead letters (dtpyfw's "Error Handling and Dead Letter").
 *
 * The `error-handler` service consumes in at-least-once mode: an entry is acknowledged only when
 * every handler succeeded. Five events show the paths a message can take:
 * - evt-1 is processed;
 * - evt-2 fails validation: the handler logs it and returns, so it is acknowledged and skipped;
 * - evt-3 fails once (a flaky dependency) and succeeds on its retry;
 * - evt-4 always fails: after `maxAttempts` (3) it goes to the channel's dead-letter stream;
 * - evt-5 throws UnrecoverableError: dead-lettered at once, without retries.
 * Then the bug behind evt-4 is "fixed" and its dead letter is replayed to the service.
 * (In the default at-most-once mode a failure is dead-lettered at once, with reason handler-failed.)
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/04-errors-and-dead-letters.ts
 */
import { createClient } from 'redis';
import { RedisStreamer, silentLogger, UnrecoverableError, type MessageContext } from 'redis-streamer';

const url = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
const events = `example.events.${process.pid}`; // a channel of this run only

interface Event {
  readonly id: string;
  readonly type: string;
  readonly data?: unknown;
}

let fixed = false; // evt-4's bug, fixed before its dead letter is replayed
let settled = 0; // events processed or skipped
let evt4Replayed = (): void => {};
const replayDone = new Promise<void>((resolve) => (evt4Replayed = resolve));

function safeHandler(name: string, event: Event, ctx: MessageContext): void {
  for (const field of ['id', 'type', 'data'] as const) {
    if (!(field in event)) {
      // A message that can never succeed, and that we choose to skip: returning acknowledges it.
      console.log(`Validation error: ${event.id} is missing "${field}"; skipped`);
      settled++;
      return;
    }
  }
  if (event.type === 'flaky' && ctx.attempt === 1) throw new Error('dependency timed out');
  if (event.type === 'error-test' && !fixed) throw new Error('Simulated processing error');
  if (event.type === 'poison') throw new UnrecoverableError('cannot be processed, ever');
  const how = ctx.source === 'replay' ? ' (replayed dead letter)' : '';
  console.log(`Processed ${name} ${event.id} on attempt ${ctx.attempt}${how}`);
  settled++;
  if (ctx.source === 'replay') evt4Replayed();
}

const streamer = new RedisStreamer(url, 'error-handler', {
  delivery: 'at-least-once',
  maxAttempts: 3,
  retryBaseMs: 50, // the first retry after about 50 ms, then 100 ms... (defaults: 1 s, up to 60 s)
  retryMaxMs: 200,
  claimIntervalMs: 50, // how often due retries are picked up (default 1 s)
  logger: silentLogger, // the 'deadLetter' event below reports what matters here
});
streamer.on('error', (err, where) => console.error(`error (${where.phase}): ${err.message}`)); // the logger is silent
let deadLettered = 0;
let twoDeadLetters = (): void => {};
const deadLettersDone = new Promise<void>((resolve) => (twoDeadLetters = resolve));
streamer.on('deadLetter', (dead) => {
  console.log(
    `Dead-lettered entry ${dead.attempts === 1 ? 'at once' : `after ${dead.attempts} attempts`}: ${dead.reason} (${dead.error})`,
  );
  if (++deadLettered === 2) twoDeadLetters();
});

await streamer.subscribe(events);
streamer.registerHandler<Event>(events, safeHandler);
const consuming = streamer.persistConsume({ blockMs: 1000 });

const publisher = new RedisStreamer(url, 'publisher');
await publisher.sendMessages(events, [
  { name: 'event.received', body: { id: 'evt-1', type: 'ok', data: 1 } },
  { name: 'event.received', body: { id: 'evt-2', type: 'ok' } },
  { name: 'event.received', body: { id: 'evt-3', type: 'flaky', data: 3 } },
  { name: 'event.received', body: { id: 'evt-4', type: 'error-test', data: 4 } },
  { name: 'event.received', body: { id: 'evt-5', type: 'poison', data: 5 } },
]);
await deadLettersDone;

const queue = streamer.deadLetters(events);
const letters = await queue.list();
for (const letter of letters) {
  const body = letter.body as Event;
  console.log(`Dead letter of ${body.id}: ${letter.reason} after ${letter.attempts} attempt(s): ${letter.error}`);
}

fixed = true; // deploy the fix, then replay evt-4 to the group that failed it
const evt4 = letters.find((l) => (l.body as Event).id === 'evt-4')!;
const replay = await queue.replay([evt4.deadLetterId]);
console.log(`Replayed ${replay.replayed} dead letter`);
await replayDone;
console.log(`${settled} events settled, ${await queue.size()} dead letter left (evt-5)`);

await Promise.all([streamer.close(), publisher.close()]);
await consuming;
await removeChannels(url, events);

/** Deletes the channels and the keys the library keeps beside them (`{channel}:...`): Redis is left as it was. */
async function removeChannels(redisUrl: string, ...channels: string[]): Promise<void> {
  const redis = await createClient({ url: redisUrl }).connect();
  for (const channel of channels) await redis.del([channel, ...(await redis.keys(`{${channel}}:*`))]);
  await redis.close();
}

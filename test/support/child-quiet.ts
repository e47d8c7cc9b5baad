/**
 * A program that gives ioredis reasons to print warnings: a password the server's default user
 * does not need, and an ACL user whose rights exclude INFO (ioredis' ready check). With `silent`
 * it uses silentLogger and must print nothing at all; with `logged` its logger prints each warning
 * as a line `logged: <message>`. It publishes, consumes one message, inspects, and cleans up.
 *
 * The warnings and the ready check are ioredis's, so it runs on ioredis whatever the suite's client
 * (node-redis's handling of the unneeded password: test/connection/node-redis.test.ts).
 *
 * argv: <port> <silent|logged>
 */
import { Inspector, RedisInstance, RedisStreamer, silentLogger, type Logger } from '../../src/index.js';

const [port, mode] = [Number(process.argv[2]), process.argv[3]];
const logged = (_fields: object, message?: string): void => void process.stdout.write(`logged: ${message ?? ''}\n`);
const logger: Logger =
  mode === 'silent' ? silentLogger : { debug: () => {}, info: () => {}, warn: logged, error: logged };
const sources = [
  new RedisInstance({ port, password: 'not-needed-password', client: 'ioredis' }),
  new RedisInstance({ port, username: 'no-info', password: 'no-info-password', client: 'ioredis' }),
];
for (const [i, redis] of sources.entries()) {
  const streamer = new RedisStreamer(redis, `quiet-${i}`, { logger });
  const channel = `quiet-${process.pid}-${i}`;
  await streamer.subscribe(channel);
  let handled!: () => void;
  const done = new Promise<void>((resolve) => (handled = resolve));
  streamer.registerHandler(channel, () => handled());
  const run = streamer.persistConsume({ blockMs: 200 });
  await streamer.sendMessage(channel, { name: 'n', body: {} });
  await done;
  const inspector = new Inspector(redis, { logger });
  await inspector.channel(channel);
  await inspector.close();
  await streamer.cleanup();
  await run;
}

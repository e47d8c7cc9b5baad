/**
 * An outbox relay in a process of its own, for the fault tests: started with
 * `<database url> <redis url> <table> <batch size> [hold]`, it prints "ready" once relaying. With
 * `hold`, every `sendMessages` of the relay, once Redis appended the batch, prints "appended <n>"
 * and never returns: the round stays between the append and the COMMIT of its marks until the
 * test SIGKILLs the process (the window a crash must not turn into a duplicate). On SIGTERM it
 * closes the relay, prints "stats <json>", cleans up and exits by itself.
 */
import pg from 'pg';
import { RedisStreamer, silentLogger } from '../../src/index.js';
import { startOutboxRelay, type OutboxPublisher } from '../../src/outbox/index.js';

const [databaseUrl, redisUrl, table, batch, mode] = process.argv.slice(2);
if (databaseUrl === undefined || redisUrl === undefined || table === undefined) {
  throw new Error('usage: child-relay.ts <database url> <redis url> <table> <batch size> [hold]');
}
const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
pool.on('error', () => {});
const streamer = new RedisStreamer(redisUrl, 'outbox-child', { logger: silentLogger });

const publisher: OutboxPublisher =
  mode === 'hold'
    ? {
        async sendMessages(...args) {
          const ids = await streamer.sendMessages(...args);
          process.stdout.write(`appended ${ids.length}\n`);
          return new Promise<string[]>(() => {}); // held until the process is killed
        },
      }
    : streamer;

const relay = await startOutboxRelay({
  db: pool,
  streamer: publisher,
  table,
  batchSize: Number(batch ?? 100),
  pollIntervalMs: 50,
  logger: silentLogger,
  onError: (err) => process.stdout.write(`relay error ${err.code}: ${err.message}\n`),
});
process.once('SIGTERM', () => {
  void (async () => {
    await relay.close();
    process.stdout.write(`stats ${JSON.stringify(relay.getStats())}\n`);
    await streamer.cleanup();
    await pool.end();
  })();
});
process.stdout.write('ready\n');

/**
 * The transactional outbox with node-postgres: an orders service writes an order and its
 * `order.created` event in one transaction; a relay publishes committed events to Redis Streams,
 * exactly once; a billing service consumes them. A rolled-back order never becomes an event, and
 * an event whose body cannot be published is refused inside the transaction.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 \
 *     npx tsx examples/outbox/main.ts
 *
 * It creates the tables `example_orders` and `example_outbox`, drops them at the end, and exits
 * by itself.
 */
import pg from 'pg';
import { InvalidMessageError, Message, RedisStreamer } from 'redis-streamer';
import { Outbox, startOutboxRelay } from 'redis-streamer/outbox';

const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const channel = `example.orders.${process.pid}`;

// The application's pool, and a small one of the relay's own (its LISTEN connection and its batches').
const pool = new pg.Pool({ connectionString: databaseUrl, max: 5 });
const relayPool = new pg.Pool({ connectionString: databaseUrl, max: 3 });
const outbox = new Outbox({ table: 'example_outbox' });

/** Writes the order and its event in one transaction: both commit, or neither. */
async function placeOrder(orderId: string, total: unknown, declined = false): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('INSERT INTO example_orders (id, total) VALUES ($1, $2)', [orderId, String(total)]);
    await outbox.enqueue(client, channel, new Message('order.created', { orderId, total }), {
      idempotencyKey: `order.created:${orderId}`,
    });
    if (declined) throw new Error('payment declined');
    await client.query('COMMIT');
    console.log(`placed ${orderId}`);
  } catch (err) {
    await client.query('ROLLBACK');
    const why = err instanceof InvalidMessageError ? `refused before its INSERT: ${err.message}` : String(err);
    console.log(`rolled back ${orderId} (${why})`);
  } finally {
    client.release();
  }
}

async function main(): Promise<void> {
  await outbox.migrate(pool);
  await pool.query('CREATE TABLE IF NOT EXISTS example_orders (id text PRIMARY KEY, total text NOT NULL)');

  // The billing service: consumes order events.
  const billing = new RedisStreamer(redisUrl, 'billing');
  await billing.subscribe(channel);
  const billed: string[] = [];
  billing.registerHandler<{ orderId: string; total: number }>(channel, (name, order, context) => {
    billed.push(order.orderId);
    console.log(`billing got ${name} ${order.orderId} (key ${context.idempotencyKey ?? '-'})`);
  });
  const consuming = billing.persistConsume();

  // The orders service: its streamer publishes, through the relay, what its transactions commit.
  const orders = new RedisStreamer(redisUrl, 'orders');
  const relay = await startOutboxRelay({ db: relayPool, streamer: orders, table: outbox.table.name });

  await placeOrder(`A-${process.pid}`, 42);
  await placeOrder(`B-${process.pid}`, 7, true);
  await placeOrder(`C-${process.pid}`, 10n); // a BigInt: JSON cannot carry it
  await placeOrder(`D-${process.pid}`, 19.5);

  const deadline = Date.now() + 10_000;
  while (billed.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  // The relay marks a batch published when its transaction commits, just after the consumer may
  // already have the entries: closing the relay waits for the batch in flight.
  await relay.close();
  const status = await outbox.status(pool);
  console.log(`billed ${billed.length} orders; outbox: ${status.unpublished} unpublished, ${status.dead} dead`);
  console.log('relay', JSON.stringify({ published: relay.getStats().published, errors: relay.getStats().errors }));

  await orders.cleanup();
  await billing.cleanup();
  await consuming;
  await pool.query(`DROP TABLE example_orders, ${outbox.table.sql}`);
  await Promise.all([pool.end(), relayPool.end()]);
  if (billed.length !== 2) process.exitCode = 1;
}

await main();

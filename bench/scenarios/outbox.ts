/**
 * The transactional outbox (redis-streamer/outbox) against a private PostgreSQL: relay throughput
 * (rows committed in one transaction to entries in Redis, per second) beside plain `sendMessages`
 * batches of 1000, their runs interleaved; and the latency the outbox adds at 1,000 rows/s with
 * LISTEN/NOTIFY: from each row's COMMIT to its entry read by an `XREAD BLOCK` reader, beside
 * `sendMessage` at the same pace measured by the same reader (both from the start of the call: the
 * outbox's includes its INSERT and COMMIT). The PostgreSQL runs with fsync off
 * (as the tests' does): commits cost no disk flush, so the figures are the relay's own cost.
 */
import pg from 'pg';
import { RedisStreamer, silentLogger } from '../../src/index.js';
import { Outbox, startOutboxRelay } from '../../src/outbox/index.js';
import { startPostgres } from '../../test/support/postgres.js';
import {
  check,
  fmt,
  freshStream,
  median,
  pause,
  quantile,
  ratio,
  wallNow,
  type BenchContext,
  type Scenario,
} from '../support.js';

interface Env {
  readonly ctx: BenchContext;
  /** The application's pool (the writers'). */
  readonly pool: pg.Pool;
  /** The relay's own pool, as the docs advise: its LISTEN connection and its round's. */
  readonly relayPool: pg.Pool;
  readonly streamer: RedisStreamer;
}

const message = (i: number): { name: string; body: object } => ({
  name: 'bench.event',
  body: { i, user: `user-${i}`, amount: 12.5, currency: 'EUR' },
});

/** Rows per second from one transaction's COMMIT of `n` rows to the last entry appended. */
async function relayRate({ ctx, pool, relayPool, streamer }: Env, n: number): Promise<number> {
  const channel = await freshStream(ctx, 0);
  const outbox = new Outbox({ table: `bench_${channel.replace(/\W/g, '_')}` });
  await outbox.migrate(pool);
  const relay = await startOutboxRelay({ db: relayPool, streamer, table: outbox.table.name, logger: silentLogger });
  while (!relay.getStats().listening) await pause(5);
  const client = await pool.connect();
  await client.query('BEGIN');
  for (let i = 0; i < n; i += 1000) {
    await outbox.enqueueMany(
      client,
      channel,
      Array.from({ length: Math.min(1000, n - i) }, (_, j) => message(i + j)),
    );
  }
  await client.query('COMMIT');
  const t0 = performance.now();
  client.release();
  while (relay.getStats().published < n) await pause(1);
  const rate = n / ((performance.now() - t0) / 1000);
  await relay.close();
  await pool.query(`DROP TABLE ${outbox.table.sql}`);
  return rate;
}

async function sendMessagesRate({ ctx, streamer }: Env, n: number): Promise<number> {
  const channel = await freshStream(ctx, 0);
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1000) {
    await streamer.sendMessages(
      channel,
      Array.from({ length: Math.min(1000, n - i) }, (_, j) => message(i + j)),
    );
  }
  return n / ((performance.now() - t0) / 1000);
}

/** Latencies (ms) of `count` messages sent by `send` at 1,000/s, read by an XREAD BLOCK reader. */
async function pacedLatency(
  ctx: BenchContext,
  channel: string,
  count: number,
  send: (i: number) => Promise<unknown>,
): Promise<number[]> {
  const sentAt = new Array<number>(count);
  const latencies: number[] = [];
  const reader = ctx.client.duplicate();
  const reading = (async () => {
    let last = '$';
    while (latencies.length < count) {
      const reply = await reader.xread('BLOCK', 2000, 'STREAMS', channel, last);
      const now = wallNow();
      for (const [id, fields] of reply?.[0]?.[1] ?? []) {
        last = id;
        const i = (JSON.parse(fields[3] ?? '{}') as { i: number }).i;
        latencies.push(Math.max(0, now - (sentAt[i] ?? now)));
      }
    }
  })();
  await pause(50); // the reader waits before the first message
  const start = wallNow();
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = start + i - wallNow();
    if (wait > 0) await pause(wait);
    sentAt[i] = wallNow();
    sends.push(send(i));
  }
  await Promise.all(sends);
  await reading;
  reader.disconnect();
  return latencies.sort((a, b) => a - b);
}

async function latencies(env: Env, count: number): Promise<{ outbox: number[]; sendMessage: number[] }> {
  const outboxChannel = await freshStream(env.ctx, 0);
  const outbox = new Outbox({ table: `bench_${outboxChannel.replace(/\W/g, '_')}` });
  await outbox.migrate(env.pool);
  const relay = await startOutboxRelay({
    db: env.pool,
    streamer: env.streamer,
    table: outbox.table.name,
    logger: silentLogger,
  });
  while (!relay.getStats().listening) await pause(5);
  // An autocommit INSERT: committed before its reply.
  const viaOutbox = await pacedLatency(env.ctx, outboxChannel, count, (i) =>
    outbox.enqueue(env.pool, outboxChannel, message(i)),
  );
  await relay.close();
  await env.pool.query(`DROP TABLE ${outbox.table.sql}`);
  const channel = await freshStream(env.ctx, 0);
  const direct = await pacedLatency(env.ctx, channel, count, (i) => env.streamer.sendMessage(channel, message(i)));
  return { outbox: viaOutbox, sendMessage: direct };
}

const ms = (x: number): string => `${fmt(x, 3)} ms`;

export const outbox: Scenario = {
  name: 'outbox',
  async run(ctx) {
    const server = await startPostgres();
    const pool = new pg.Pool({ connectionString: server.url, max: 10 });
    const relayPool = new pg.Pool({ connectionString: server.url, max: 3 });
    for (const p of [pool, relayPool]) p.on('error', () => {});
    const streamer = new RedisStreamer(ctx.url, 'bench-outbox', { logger: silentLogger });
    const env: Env = { ctx, pool, relayPool, streamer };
    try {
      const n = ctx.smoke ? 2_000 : 50_000;
      const relay: number[] = [];
      const plain: number[] = [];
      for (let r = 0; r < ctx.runs; r++) {
        relay.push(await relayRate(env, n));
        plain.push(await sendMessagesRate(env, n));
      }
      const lat = await latencies(env, ctx.smoke ? 500 : 5_000);
      const figures = {
        rows: n,
        relayRowsPerSecond: median(relay),
        sendMessagesPerSecond: median(plain),
        outboxLatency: {
          p50: quantile(lat.outbox, 0.5),
          p99: quantile(lat.outbox, 0.99),
          max: lat.outbox.at(-1) ?? NaN,
        },
        sendMessageLatency: { p50: quantile(lat.sendMessage, 0.5), p99: quantile(lat.sendMessage, 0.99) },
      };
      const o = figures.outboxLatency;
      const s = figures.sendMessageLatency;
      return {
        figures,
        rows: [
          [
            'outbox: relay, rows committed to entries',
            `${fmt(figures.relayRowsPerSecond)} rows/s`,
            `${ratio(figures.relayRowsPerSecond, figures.sendMessagesPerSecond)} sendMessages`,
            check(ctx, figures.relayRowsPerSecond >= 0.5 * figures.sendMessagesPerSecond, '>= 0.5× sendMessages'),
          ],
          ['outbox: sendMessages, batches of 1000 (baseline)', `${fmt(figures.sendMessagesPerSecond)} msg/s`, '', ''],
          [
            'outbox: enqueue (INSERT + COMMIT) to entry read, 1,000 rows/s, LISTEN/NOTIFY: p50 / p99',
            `${ms(o.p50)} / ${ms(o.p99)}`,
            `p99 ${ratio(o.p99, s.p99)} sendMessage`,
            check(ctx, o.p99 < 50, 'p99 < 50 ms'),
          ],
          [
            'outbox: sendMessage call to entry read, 1,000 msg/s (baseline): p50 / p99',
            `${ms(s.p50)} / ${ms(s.p99)}`,
            '',
            '',
          ],
        ],
      };
    } finally {
      await streamer.cleanup();
      await Promise.all([pool.end(), relayPool.end()]);
      await server.stop();
    }
  },
};

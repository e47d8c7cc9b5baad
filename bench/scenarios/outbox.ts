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
  type Row,
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

/** Plain sendMessages batches of 1000, or with a key per message as the relay publishes them. */
async function sendMessagesRate({ ctx, streamer }: Env, n: number, keyed: boolean): Promise<number> {
  const channel = await freshStream(ctx, 0);
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
      ...message(i + j),
      ...(keyed ? { idempotencyKey: `outbox:bench:${i + j}` } : {}),
    }));
    await streamer.sendMessages(channel, batch);
  }
  return n / ((performance.now() - t0) / 1000);
}

/** Latencies (ms), sorted: from the start of each call, and from its end (the COMMIT, for the outbox). */
interface Latencies {
  readonly fromCall: number[];
  readonly fromCommit: number[];
}

/** Latencies of `count` messages sent by `send` at 1,000/s, read by an XREAD BLOCK reader. */
async function pacedLatency(
  ctx: BenchContext,
  channel: string,
  count: number,
  send: (i: number) => Promise<unknown>,
): Promise<Latencies> {
  const sentAt = new Array<number>(count);
  const doneAt = new Array<number>(count);
  const readAt = new Array<number>(count);
  let read = 0;
  const reader = ctx.client.duplicate();
  const reading = (async () => {
    let last = '$';
    while (read < count) {
      const reply = await reader.xread('BLOCK', 2000, 'STREAMS', channel, last);
      const now = wallNow();
      for (const [id, fields] of reply?.[0]?.[1] ?? []) {
        last = id;
        readAt[(JSON.parse(fields[3] ?? '{}') as { i: number }).i] = now;
        read++;
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
    sends.push(send(i).then(() => (doneAt[i] = wallNow())));
  }
  await Promise.all(sends);
  await reading;
  reader.disconnect();
  const of = (from: number[]): number[] =>
    readAt.map((at, i) => Math.max(0, at - (from[i] ?? at))).sort((a, b) => a - b);
  return { fromCall: of(sentAt), fromCommit: of(doneAt) };
}

async function latencies(env: Env, count: number): Promise<{ outbox: Latencies; sendMessage: Latencies }> {
  const outboxChannel = await freshStream(env.ctx, 0);
  const outbox = new Outbox({ table: `bench_${outboxChannel.replace(/\W/g, '_')}` });
  await outbox.migrate(env.pool);
  const relay = await startOutboxRelay({
    db: env.relayPool,
    streamer: env.streamer,
    table: outbox.table.name,
    logger: silentLogger,
  });
  while (!relay.getStats().listening) await pause(5);
  // Warm up: the writers' connections opened, the relay through a few rounds.
  const clients = await Promise.all(Array.from({ length: 10 }, () => env.pool.connect()));
  for (const c of clients) c.release();
  for (let i = 0; i < 100; i++) await outbox.enqueue(env.pool, `${outboxChannel}-warmup`, message(i));
  while (relay.getStats().published < 100) await pause(5);
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

interface Figures {
  readonly relayRowsPerSecond: number;
  readonly sendMessagesPerSecond: number;
  readonly keyedSendMessagesPerSecond: number;
  readonly outboxAddedLatency: { p50: number; p99: number };
  readonly outboxLatencyFromCall: { p50: number; p99: number };
  readonly sendMessageLatency: { p50: number; p99: number };
}

function rowsOf(ctx: BenchContext, f: Figures): Row[] {
  const added = f.outboxAddedLatency;
  const call = f.outboxLatencyFromCall;
  const base = f.sendMessageLatency;
  return [
    [
      'outbox: relay, rows committed to entries',
      `${fmt(f.relayRowsPerSecond)} rows/s`,
      `${ratio(f.relayRowsPerSecond, f.sendMessagesPerSecond)} sendMessages`,
      check(ctx, f.relayRowsPerSecond >= 0.5 * f.sendMessagesPerSecond, '>= 0.5× sendMessages'),
    ],
    ['outbox: sendMessages, batches of 1000 (baseline)', `${fmt(f.sendMessagesPerSecond)} msg/s`, '', ''],
    [
      'outbox: sendMessages with a key per message (what the relay sends)',
      `${fmt(f.keyedSendMessagesPerSecond)} msg/s`,
      `relay ${ratio(f.relayRowsPerSecond, f.keyedSendMessagesPerSecond)} of it`,
      '',
    ],
    [
      'outbox: added latency, COMMIT to entry read, 1,000 rows/s, LISTEN/NOTIFY: p50 / p99',
      `${ms(added.p50)} / ${ms(added.p99)}`,
      '',
      check(ctx, added.p99 < 50, 'p99 < 50 ms'),
    ],
    ['outbox: enqueue call (INSERT + COMMIT) to entry read: p50 / p99', `${ms(call.p50)} / ${ms(call.p99)}`, '', ''],
    [
      'outbox: sendMessage call to entry read, 1,000 msg/s (baseline): p50 / p99',
      `${ms(base.p50)} / ${ms(base.p99)}`,
      '',
      '',
    ],
  ];
}

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
      const keyed: number[] = [];
      for (let r = 0; r < ctx.runs; r++) {
        relay.push(await relayRate(env, n));
        plain.push(await sendMessagesRate(env, n, false));
        keyed.push(await sendMessagesRate(env, n, true));
      }
      const lat = await latencies(env, ctx.smoke ? 500 : 5_000);
      const q = (sorted: number[]): { p50: number; p99: number; max: number } => ({
        p50: quantile(sorted, 0.5),
        p99: quantile(sorted, 0.99),
        max: sorted.at(-1) ?? NaN,
      });
      const figures = {
        rows: n,
        relayRowsPerSecond: median(relay),
        sendMessagesPerSecond: median(plain),
        keyedSendMessagesPerSecond: median(keyed),
        outboxAddedLatency: q(lat.outbox.fromCommit),
        outboxLatencyFromCall: q(lat.outbox.fromCall),
        sendMessageLatency: q(lat.sendMessage.fromCall),
      };
      return { figures, rows: rowsOf(ctx, figures) };
    } finally {
      await streamer.cleanup();
      await Promise.all([pool.end(), relayPool.end()]);
      await server.stop();
    }
  },
};

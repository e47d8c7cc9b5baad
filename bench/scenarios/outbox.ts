/**
 * The transactional outbox (redis-streamer/outbox) against a private PostgreSQL: relay throughput
 * (rows committed in one transaction to entries in Redis, per second) beside plain `sendMessages`
 * batches of 1000, their runs interleaved; and the latency the outbox adds at 1,000 rows/s with
 * LISTEN/NOTIFY: from each row's COMMIT to its entry read by an `XREAD BLOCK` reader, beside
 * `sendMessage` at the same pace measured by the same reader (both from the start of the call: the
 * outbox's includes its INSERT and COMMIT). The PostgreSQL runs with fsync off
 * (as the tests' does): commits cost no disk flush, so the figures are the relay's own cost. Beside
 * each rate, the CPU time per row of each process (outbox-cpu.ts), measured outside the timed part.
 */
import pg from 'pg';
import { RedisStreamer, silentLogger } from '../../src/index.js';
import { Outbox, startOutboxRelay } from '../../src/outbox/index.js';
import { startPostgres } from '../../test/support/postgres.js';
import { medianCpu, startCpuMeter, type CpuPerRow } from './outbox-cpu.js';
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
  /** The private PostgreSQL's postmaster (undefined with DATABASE_URL: its CPU is then not measured). */
  readonly postmaster: number | undefined;
}

/** A rate, and the CPU time per row (or message) of each process meanwhile. */
interface Rate {
  readonly rate: number;
  readonly cpu: CpuPerRow;
}

const message = (i: number): { name: string; body: object } => ({
  name: 'bench.event',
  body: { i, user: `user-${i}`, amount: 12.5, currency: 'EUR' },
});

/** Rows per second from one transaction's COMMIT of `n` rows to the last entry appended. */
async function relayRate({ ctx, pool, relayPool, streamer, postmaster }: Env, n: number): Promise<Rate> {
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
  const cpu = await startCpuMeter(ctx.client, postmaster);
  await client.query('COMMIT');
  const t0 = performance.now();
  client.release();
  while (relay.getStats().published < n) await pause(1);
  const rate = n / ((performance.now() - t0) / 1000);
  const perRow = await cpu(n);
  await relay.close();
  await pool.query(`DROP TABLE ${outbox.table.sql}`);
  return { rate, cpu: perRow };
}

/** Plain sendMessages batches of 1000, or with a key per message as the relay publishes them. */
async function sendMessagesRate({ ctx, streamer, postmaster }: Env, n: number, keyed: boolean): Promise<Rate> {
  const channel = await freshStream(ctx, 0);
  const cpu = await startCpuMeter(ctx.client, postmaster);
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
      ...message(i + j),
      ...(keyed ? { idempotencyKey: `outbox:bench:${i + j}` } : {}),
    }));
    await streamer.sendMessages(channel, batch);
  }
  const rate = n / ((performance.now() - t0) / 1000);
  return { rate, cpu: await cpu(n) };
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
  /** µs of CPU time per row (message) of each process: the relay, plain and keyed sendMessages. */
  readonly cpuPerRow: { readonly relay: CpuPerRow; readonly plain: CpuPerRow; readonly keyed: CpuPerRow };
}

/** `14.2 + 17.6 + 7.6 = 39.4 µs`: this process, PostgreSQL, Redis, and their sum. */
function cpuFigure(c: CpuPerRow): string {
  const us = (x: number): string => (Number.isFinite(x) ? fmt(x, 1) : 'n/a');
  return `${us(c.node)} + ${us(c.postgres)} + ${us(c.redis)} = ${us(c.node + c.postgres + c.redis)} µs`;
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
    ['outbox: CPU per row, relay: node + PostgreSQL + Redis', cpuFigure(f.cpuPerRow.relay), '', ''],
    ['outbox: CPU per message, sendMessages: node + PostgreSQL + Redis', cpuFigure(f.cpuPerRow.plain), '', ''],
    ['outbox: CPU per message, keyed sendMessages: node + PostgreSQL + Redis', cpuFigure(f.cpuPerRow.keyed), '', ''],
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
    const env: Env = { ctx, pool, relayPool, streamer, postmaster: server.pid };
    try {
      const n = ctx.smoke ? 2_000 : 50_000;
      const relay: Rate[] = [];
      const plain: Rate[] = [];
      const keyed: Rate[] = [];
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
        relayRowsPerSecond: median(relay.map((r) => r.rate)),
        sendMessagesPerSecond: median(plain.map((r) => r.rate)),
        keyedSendMessagesPerSecond: median(keyed.map((r) => r.rate)),
        outboxAddedLatency: q(lat.outbox.fromCommit),
        outboxLatencyFromCall: q(lat.outbox.fromCall),
        sendMessageLatency: q(lat.sendMessage.fromCall),
        cpuPerRow: {
          relay: medianCpu(
            relay.map((r) => r.cpu),
            median,
          ),
          plain: medianCpu(
            plain.map((r) => r.cpu),
            median,
          ),
          keyed: medianCpu(
            keyed.map((r) => r.cpu),
            median,
          ),
        },
      };
      return { figures, rows: rowsOf(ctx, figures) };
    } finally {
      await streamer.cleanup();
      await Promise.all([pool.end(), relayPool.end()]);
      await server.stop();
    }
  },
};

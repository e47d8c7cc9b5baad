/**
 * The test kit (redis-streamer/testing) beside a private redis-server: the same fan-out test, as a
 * user's test runs it, through each. 1,000 messages to 2 services of 2 instances each (every service
 * gets every message, its instances share them): streamers created, subscribed and consuming, the
 * messages published in one sendMessages call, every message handled by both services, everything
 * cleaned up. The kit waits with `bus.settled()`; on Redis the test waits until both services have
 * handled every message (polling every ms). Target: the kit at least 20 times faster.
 *
 * Both paths run the library's own per-message work (encoding, decoding, dispatch, handlers,
 * acknowledgements): the kit replaces only the transport, so on one machine the speed-up of a
 * large test is bounded by how much of it was transport.
 *
 * Then the same test with 10 messages, the size of a unit test, where what a test waits for
 * besides the work (connections, blocking reads, polls) counts most; and a test of one message
 * whose billing handler always fails (at-least-once, maxAttempts 3, the default 1 s retry base): a
 * retry-then-dead-letter test, where Redis must wait out the backoffs and the kit moves its clock.
 */
import { Message, RedisStreamer, silentLogger, type Transport } from '../../src/index.js';
import { createTestBus } from '../../src/testing/index.js';
import { check, fmt, nextName, repeat, type BenchContext, type Scenario } from '../support.js';

const SERVICES = ['billing', 'shipping'] as const;
const INSTANCES = 2;

interface Run {
  readonly source: string | Transport;
  /** Billing's handler always fails: each message is retried, then dead-lettered. */
  readonly failing: boolean;
  /** Resolves when every message reached both services. */
  readonly settle: (handled: () => number) => Promise<void>;
}

/** One fan-out test through `run`; its duration in ms. */
async function fanOut(n: number, run: Run): Promise<number> {
  const started = performance.now();
  const channel = nextName('kit-fanout');
  let handled = 0;
  const streamers: RedisStreamer[] = [];
  const runs: Array<Promise<void>> = [];
  for (const service of SERVICES) {
    for (let i = 0; i < INSTANCES; i++) {
      const failing = run.failing && service === 'billing';
      const options = failing ? ({ delivery: 'at-least-once', maxAttempts: 3 } as const) : {};
      const s = new RedisStreamer(run.source, service, { logger: silentLogger, ...options });
      streamers.push(s);
      await s.subscribe(channel);
      if (failing) s.on('deadLetter', () => void handled++);
      s.registerHandler(channel, () => {
        if (failing) throw new Error('payment service down');
        handled++;
      });
      runs.push(s.persistConsume({ blockMs: 1000 }));
    }
  }
  const shop = new RedisStreamer(run.source, 'shop', { logger: silentLogger });
  streamers.push(shop);
  await shop.sendMessages(
    channel,
    Array.from({ length: n }, (_, i) => new Message('order.created', { i })),
  );
  await run.settle(() => handled);
  await Promise.all(streamers.map((s) => s.cleanup()));
  await Promise.all(runs);
  if (handled !== n * SERVICES.length) throw new Error(`handled ${handled} of ${n * SERVICES.length}`);
  return performance.now() - started;
}

async function throughKit(n: number, failing = false): Promise<number> {
  const bus = createTestBus();
  try {
    return await fanOut(n, { source: bus.transport, failing, settle: () => bus.settled() });
  } finally {
    await bus.close();
  }
}

function throughRedis(ctx: BenchContext, n: number, failing = false): Promise<number> {
  return fanOut(n, {
    source: ctx.url,
    failing,
    settle: async (handled) => {
      while (handled() < n * SERVICES.length) await new Promise((resolve) => setTimeout(resolve, 1));
    },
  });
}

export const testKit: Scenario = {
  name: 'testKit',
  async run(ctx) {
    const n = ctx.smoke ? 100 : 1000;
    await throughKit(n); // warm up both paths (module loading, JIT)
    await throughRedis(ctx, n);
    const runs = Math.max(ctx.runs, 5);
    const kitMs = await repeat(runs, () => throughKit(n));
    const redisMs = await repeat(runs, () => throughRedis(ctx, n));
    const speedUp = redisMs / kitMs;
    const smallKitMs = await repeat(runs, () => throughKit(10));
    const smallRedisMs = await repeat(runs, () => throughRedis(ctx, 10));
    const retryKitMs = await repeat(runs, () => throughKit(1, true));
    const retryRedisMs = await repeat(ctx.runs, () => throughRedis(ctx, 1, true));
    const what = `${fmt(n)}-message fan-out test, ${SERVICES.length} services x ${INSTANCES}`;
    const retry = `1 message, billing failing: 3 attempts, dead letter`;
    return {
      figures: {
        messages: n,
        kitMs,
        redisMs,
        speedUp,
        smallKitMs,
        smallRedisMs,
        smallSpeedUp: smallRedisMs / smallKitMs,
        retryKitMs,
        retryRedisMs,
        retrySpeedUp: retryRedisMs / retryKitMs,
      },
      rows: [
        [`${what}: test kit`, `${fmt(kitMs, 1)} ms`, '', ''],
        [
          `${what}: redis-server`,
          `${fmt(redisMs, 1)} ms`,
          `${fmt(speedUp, 1)}× kit`,
          check(ctx, speedUp >= 20, '>= 20×'),
        ],
        [`10-message fan-out test: test kit`, `${fmt(smallKitMs, 1)} ms`, '', ''],
        [
          `10-message fan-out test: redis-server`,
          `${fmt(smallRedisMs, 1)} ms`,
          `${fmt(smallRedisMs / smallKitMs, 1)}× kit`,
          '',
        ],
        [`${retry}: test kit`, `${fmt(retryKitMs, 1)} ms`, '', ''],
        [`${retry}: redis-server`, `${fmt(retryRedisMs, 1)} ms`, `${fmt(retryRedisMs / retryKitMs, 1)}× kit`, ''],
      ],
    };
  },
};

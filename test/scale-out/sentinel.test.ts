/**
 * Redis Sentinel, on a real primary with a replica watched by three sentinels, with a publisher and
 * a consumer running through each failover:
 * - the primary killed during an at-least-once run (with a second service in a child process, which
 *   must then exit by itself after cleanup);
 * - a planned failover (SENTINEL FAILOVER) with `min-replicas-to-write 1` on the data nodes;
 * - a sentinel hung (SIGSTOP) while the primary is killed;
 * - a planned failover with the default `min-replicas-to-write 0`: Sentinel does not fence the old
 *   primary, so what it acknowledges until it is demoted is lost; the test measures how much;
 * - an at-most-once run through a kill.
 *
 * Every scenario publishes a numbered sequence, one message at a time, and counts: publishes
 * acknowledged, refused (each must be a PublishError, `inDoubt` saying whether it may have been
 * appended), entries handled and handled twice. What the new primary holds is read back at the end,
 * so a publish acknowledged by a primary that then lost it counts as lost even when a consumer
 * connected to that same primary handled it.
 *
 * Replication is asynchronous: a publish the old primary acknowledged but had not yet sent to its
 * replica is gone. To tell that from a loss of the library's making, the test asks the primary every
 * few ms for a checkpoint (SET, then WAIT 1): once the replica confirmed it, every publish
 * acknowledged before it must survive. Only publishes acknowledged after the last checkpoint may be
 * missing, and how many were is printed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import {
  PublishError,
  RedisInstance,
  RedisStreamer,
  silentLogger,
  type ReconnectEvent,
  type RedisStreamerOptions,
} from '../../src/index.js';
import { CLIENT_NAMES } from '../../src/connection/client-choice.js';
import { delay, uniqueChannel, waitFor } from '../support/harness.js';
import { startSentinel, type SentinelSetup } from '../support/redis-sentinel.js';
import { recordingLogger } from '../support/recording-logger.js';
import { connectsWithoutUnneededLogin } from '../support/unneeded-login.js';
import { waitUntilWaiting } from '../support/states.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A publish that was refused, as the publisher saw it. */
interface Refusal {
  readonly i: number;
  readonly inDoubt: boolean;
  readonly at: number;
}

/** Publishes `{ i: 0 }`, `{ i: 1 }`... one at a time, each once, and records what became of each. */
class Sequence {
  /** Acknowledged publishes: i and when. */
  readonly acked = new Map<number, number>();
  readonly refused: Refusal[] = [];
  /** Rejections that are not PublishError (there must be none). */
  readonly unexpected: unknown[] = [];
  /** The highest i acknowledged so far (publishing is sequential: every lower acked i came before). */
  lastAcked = -1;
  private next = 0;
  private running = true;
  private readonly loop: Promise<void>;
  /** The publish awaited now, and since when (for a failure's message). */
  private current: { readonly i: number; readonly since: number } | undefined;
  /** The last refusal's message. */
  private lastRefusal = '';

  constructor(
    private readonly publisher: RedisStreamer,
    private readonly channel: string,
    private readonly gapMs: number,
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const i = this.next++;
      this.current = { i, since: Date.now() };
      try {
        await this.publisher.sendMessage(this.channel, { name: 'n', body: { i } });
        this.acked.set(i, Date.now());
        this.lastAcked = i;
      } catch (err) {
        if (err instanceof PublishError) this.refused.push({ i, inDoubt: err.inDoubt, at: Date.now() });
        else this.unexpected.push(err);
        this.lastRefusal = err instanceof Error ? err.message : String(err);
      }
      this.current = undefined;
      await sleep(this.gapMs); // the publishing pace
    }
  }

  /**
   * What the publisher is doing, for a failure's message: the publish awaited and for how long, the
   * last acknowledged and refused, the last refusal's words and the publisher's connections.
   */
  async describe(): Promise<string> {
    const now = Date.now();
    const current = this.current === undefined ? 'none' : `${this.current.i} for ${now - this.current.since} ms`;
    const refused = this.refused.at(-1);
    const { connections } = await this.publisher.getStats();
    const links = connections.map(
      (c) => `${c.name} ${c.state} (${c.reconnects} reconnects, last error ${c.lastError})`,
    );
    return [
      `awaiting publish ${current}`,
      `last acknowledged ${this.lastAcked}`,
      `last refused ${refused === undefined ? 'none' : `${refused.i}, ${now - refused.at} ms ago: ${this.lastRefusal}`}`,
      `connections: ${links.join('; ')}`,
    ].join('; ');
  }

  /** The i the next publish will carry: every later one is sent after this call. */
  get nextIndex(): number {
    return this.next;
  }

  /** The longest time without any acknowledged publish between `from` and `to`. */
  longestPause(from: number, to: number): number {
    return longestGap([...this.acked.values()], from, to);
  }

  /** The first publish acknowledged with an i of at least `from`, as [i, when]. */
  firstAckedFrom(from: number): [number, number] | undefined {
    return [...this.acked].find(([i]) => i >= from);
  }

  /** Stops publishing; fails when the last publish did not settle within `ms` (a publish left hanging). */
  async stop(ms = 5000): Promise<number> {
    this.running = false;
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`publish ${this.next - 1} did not settle within ${ms} ms`)), ms);
    });
    try {
      await Promise.race([this.loop, hung]);
    } finally {
      clearTimeout(timer);
    }
    return this.next;
  }
}

/** The sentinels failed the primary over by themselves: a scenario's own failover would not be the only one. */
class UnplannedFailover extends Error {}

/**
 * Replication checkpoints on one primary: SET, then WAIT 1, over and over. When WAIT answers 1, the
 * replica has everything the primary ran before that SET, so every publish acknowledged before it.
 */
class Checkpoints {
  /** Every publish acknowledged with an i up to this one is on the replica (-1: none confirmed yet). */
  confirmed = -1;
  private running = true;
  private readonly client: Redis;
  private readonly loop: Promise<void>;

  constructor(
    port: number,
    private readonly sequence: Sequence,
  ) {
    this.client = new Redis({ host: '127.0.0.1', port, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    this.client.on('error', () => {}); // the primary is killed under it
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const upTo = this.sequence.lastAcked;
      try {
        await this.client.set('sentinel-test:checkpoint', String(upTo));
        if (Number(await this.client.call('WAIT', 1, 500)) === 1) this.confirmed = upTo;
      } catch {
        // The primary is gone: the last confirmation stands.
      }
      await sleep(10);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.client.disconnect();
  }
}

/** When each i was handled (several times for a duplicate). */
class Handled {
  readonly times = new Map<number, number[]>();

  record(i: number): void {
    const list = this.times.get(i);
    if (list === undefined) this.times.set(i, [Date.now()]);
    else list.push(Date.now());
  }

  has(i: number): boolean {
    return this.times.has(i);
  }

  get size(): number {
    return this.times.size;
  }

  /** Handlings beyond the first, in total. */
  duplicates(): number {
    return [...this.times.values()].reduce((n, list) => n + list.length - 1, 0);
  }

  /** The i handled more than once. */
  duplicated(): number[] {
    return [...this.times].filter(([, list]) => list.length > 1).map(([i]) => i);
  }

  /** When `i` was first handled (Infinity if never). */
  first(i: number): number {
    return this.times.get(i)?.[0] ?? Infinity;
  }

  /** The longest time without any handling between `from` and `to`. */
  longestPause(from: number, to: number): number {
    return longestGap([...this.times.values()].flat(), from, to);
  }
}

/** The longest time between `from` and `to` with none of `times` in it. */
function longestGap(times: readonly number[], from: number, to: number): number {
  const inside = [from, ...times.filter((t) => t > from && t < to), to].sort((a, b) => a - b);
  return inside.reduce((gap, t, k) => (k === 0 ? 0 : Math.max(gap, t - inside[k - 1]!)), 0);
}

/** The i of every entry of a stream, as the server on `port` holds it. */
async function entriesOn(port: number, channel: string): Promise<Set<number>> {
  const client = new Redis({ host: '127.0.0.1', port, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  try {
    const entries = await client.xrange(channel, '-', '+');
    const found = new Set<number>();
    for (const [, fields] of entries) {
      const body = fields[fields.indexOf('body') + 1];
      const i = (JSON.parse(body ?? 'null') as { i?: unknown } | null)?.i;
      if (typeof i === 'number') found.add(i);
    }
    return found;
  } finally {
    client.disconnect();
  }
}

const CHILD_ENV = 'RS_SENTINEL_TEST_CHILD';

interface ChildConfig {
  readonly sentinels: Array<{ host: string; port: number }>;
  readonly name: string;
  readonly channel: string;
  readonly service: string;
}

interface ChildResult {
  /** Expected entries the child never handled. */
  readonly missing: number[];
  /** Reconnects of its connections (it went through the failover). */
  readonly reconnects: number;
  /** Active resources after cleanup (only its stdio pipes may be left). */
  readonly left: string[];
}

/**
 * The child process: another service (at-least-once) consuming the channel through the failover.
 * A `stop` message lists the entries it must have handled; it waits for them (up to 60 s), calls
 * cleanup(), prints what is still active, and must then exit by itself.
 */
async function runChild(config: ChildConfig): Promise<void> {
  const instance = new RedisInstance({ sentinels: config.sentinels, primaryName: config.name });
  const s = new RedisStreamer(instance, config.service, {
    logger: silentLogger,
    delivery: 'at-least-once',
    claimIdleMs: 1000,
    claimIntervalMs: 200,
  });
  await s.subscribe(config.channel, { startFromLatest: false });
  const handled = new Set<number>();
  let expected: number[] | undefined;
  s.registerHandler(config.channel, (name, payload) => {
    if (name === 'stop') expected = (payload as { expect: number[] }).expect;
    else handled.add((payload as { i: number }).i);
  });
  const run = s.persistConsume({ blockMs: 500 });
  process.stdout.write('ready\n');
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && (expected === undefined || expected.some((i) => !handled.has(i)))) {
    await sleep(20);
  }
  const stats = await s.getStats();
  await s.cleanup();
  await run;
  const result: ChildResult = {
    missing: (expected ?? [-1]).filter((i) => !handled.has(i)),
    reconnects: stats.connections.reduce((n, c) => n + c.reconnects, 0),
    left: process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap'),
  };
  process.stdout.write(`result ${JSON.stringify(result)}\n`);
}

/** A child process running {@link runChild}; `ready` resolves once it consumes. */
function startChild(config: ChildConfig): {
  ready: Promise<void>;
  exit: (ms: number) => Promise<ChildResult>;
  kill: () => void;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, [CHILD_ENV]: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) resolve();
    });
    void exited.then(() => reject(new Error(`the child exited before it was ready: ${out}${err}`)));
  });
  ready.catch(() => {}); // awaited by the test; also settled when the child fails later
  return {
    ready,
    async exit(ms) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
      const code = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (code === 'timeout') child.kill('SIGKILL');
      assert.equal(code, 0, `the child did not exit by itself within ${ms} ms (stdout: ${out}, stderr: ${err})`);
      const line = /^result (.*)$/m.exec(out)?.[1];
      assert.ok(line !== undefined, `the child printed no result (stdout: ${out}, stderr: ${err})`);
      return JSON.parse(line) as ChildResult;
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

const childConfig = process.env[CHILD_ENV];
if (childConfig !== undefined) {
  await runChild(JSON.parse(childConfig) as ChildConfig);
} else {
  registerTests();
}

/** A failover run: what was published, acknowledged, refused and handled, and when. */
interface Outcome {
  readonly channel: string;
  readonly svc: RedisStreamer;
  /** The consumer's reconnect events. */
  readonly reconnects: ReconnectEvent[];
  readonly handled: Handled;
  readonly sequence: Sequence;
  readonly checkpoints: Checkpoints;
  /** Publishes made in all. */
  readonly sent: number;
  /** The i of every acknowledged publish. */
  readonly acked: number[];
  /** The i of every entry the new primary holds at the end. */
  readonly onNew: Set<number>;
  readonly oldPrimary: number;
  readonly newPrimary: number;
  /** When the primary was killed or SENTINEL FAILOVER sent. */
  readonly startedAt: number;
  /** From then until every sentinel reported the new primary and it said it was master. */
  readonly promotionMs: number;
  readonly promotedAt: number;
  /** Planned failover: when the old primary was a replica of the new one (its clients cut). */
  readonly demotedAt: number | undefined;
  /**
   * Publishes from this i on were sent once the old primary was out of the way (dead, or demoted
   * with its clients cut): each went to the new primary or was refused.
   */
  readonly boundary: number;
  /**
   * Only publishes below this i may have been acknowledged by the old primary: the boundary, or
   * the first publish refused after the failover began when that comes earlier (a primary that
   * refuses writes for want of a replica never takes one again: it is demoted next).
   */
  readonly oldPrimaryUntil: number;
  /** The first publish from the boundary on that was acknowledged, and when. */
  readonly firstNew: number;
  readonly firstNewAckedAt: number;
  /** When it was handled: consumption had resumed on the new primary. */
  readonly resumedAt: number;
  readonly endedAt: number;
}

function registerTests(): void {
  let setup: SentinelSetup;
  const streamers: RedisStreamer[] = [];
  /** What a failed test may leave running: publishing loops, checkpoints, the child process. */
  const leftovers: Array<() => Promise<void> | void> = [];

  before(async () => {
    // Three automatic failovers: the sentinels hold the next one back for 2 x failover-timeout.
    setup = await startSentinel({ failoverTimeoutMs: 2500 });
  });

  after(async () => {
    await Promise.all(leftovers.map(async (stop) => stop()).map((p) => p.catch(() => {})));
    await Promise.all(streamers.map((s) => s.cleanup()));
    await setup?.stop();
  });

  const streamer = (service: string, options: RedisStreamerOptions = {}): RedisStreamer => {
    const instance = new RedisInstance({ sentinels: setup.sentinels, primaryName: setup.name });
    const s = new RedisStreamer(instance, service, { logger: silentLogger, ...options });
    streamers.push(s);
    return s;
  };

  /**
   * Consumes a fresh channel (service `<label>-svc`) while `<label>-pub` publishes a sequence every
   * 2 ms, fails the primary over, and goes on until consumption resumed on the new primary and 100
   * more publishes were acknowledged there. `beforeFailover` runs once the consumer and publisher
   * are going. When the sentinels fail the primary over by themselves during the warm-up (a primary
   * that did not answer them for a second, on a loaded machine), the scenario starts again once, on
   * a fresh channel: what it measures needs the failover it triggers to be the only one.
   */
  const throughFailover = async (
    label: string,
    trigger: 'kill' | 'planned',
    options: RedisStreamerOptions,
    beforeFailover: (channel: string) => Promise<void> = () => Promise.resolve(),
  ): Promise<Outcome> => {
    try {
      return await throughFailoverOnce(label, trigger, options, beforeFailover);
    } catch (err) {
      if (!(err instanceof UnplannedFailover)) throw err;
      process.stdout.write(`# [sentinel ${label}] ${err.message}: the scenario starts again\n`);
      return throughFailoverOnce(label, trigger, options, beforeFailover);
    }
  };

  const throughFailoverOnce = async (
    label: string,
    trigger: 'kill' | 'planned',
    options: RedisStreamerOptions,
    beforeFailover: (channel: string) => Promise<void>,
  ): Promise<Outcome> => {
    const channel = uniqueChannel(label);
    const svc = streamer(`${label}-svc`, { claimIdleMs: 1000, claimIntervalMs: 200, ...options });
    const handled = new Handled();
    const reconnects: ReconnectEvent[] = [];
    svc.on('reconnect', (e) => reconnects.push(e));
    await svc.subscribe(channel, { startFromLatest: false });
    svc.registerHandler(channel, (_name, payload) => handled.record((payload as { i: number }).i));
    void svc.persistConsume({ blockMs: 500 });
    const sequence = new Sequence(streamer(`${label}-pub`), channel, 2);
    const oldPrimary = await setup.primaryPort();
    const checkpoints = new Checkpoints(oldPrimary, sequence);
    leftovers.push(
      async () => void (await sequence.stop()),
      () => checkpoints.stop(),
    );
    await beforeFailover(channel);
    // The replica may still be resyncing after the test before (a demoted or restarted primary): the
    // checkpoints count only once it is linked; the wait is for that, not a figure of the test.
    await setup.waitForReplica(setup.dataPorts.find((p) => p !== oldPrimary)!);
    try {
      await waitFor(
        () => handled.size >= 200 && checkpoints.confirmed >= 150,
        'consuming before the failover, with checkpoints confirmed by the replica',
        20_000,
      );
    } catch (err) {
      const primary = await setup.primaryPort();
      if (primary !== oldPrimary) {
        await sequence.stop();
        await checkpoints.stop();
        await svc.stopConsuming();
        throw new UnplannedFailover(`the sentinels failed ${oldPrimary} over to ${primary} during the warm-up`);
      }
      const seen = `handled ${handled.size}, confirmed up to ${checkpoints.confirmed}; ${await sequence.describe()}`;
      throw new Error(`${(err as Error).message} (${seen})`, { cause: err });
    }

    const startedAt = Date.now();
    let failover: { newPrimary: number; ms: number };
    let boundary: number;
    let promotedAt: number;
    let demotedAt: number | undefined;
    if (trigger === 'kill') {
      await setup.killPrimary();
      boundary = sequence.nextIndex;
      failover = await setup.waitForFailover(oldPrimary);
      promotedAt = Date.now();
    } else {
      failover = await setup.failover();
      promotedAt = Date.now();
      await setup.waitForReplica(oldPrimary); // demoted: the sentinels cut its clients
      boundary = sequence.nextIndex;
      demotedAt = Date.now();
    }
    await checkpoints.stop();
    await waitFor(
      () => sequence.firstAckedFrom(boundary) !== undefined,
      'a publish acknowledged after the failover',
    ).catch(async (err: unknown) => {
      throw new Error(`${(err as Error).message} (from ${boundary}; ${await sequence.describe()})`, { cause: err });
    });
    const [firstNew, firstNewAckedAt] = sequence.firstAckedFrom(boundary)!;
    await waitFor(() => handled.has(firstNew), 'consumption resumed', 15_000);
    await waitFor(() => sequence.lastAcked >= firstNew + 100, '100 more publishes acknowledged by the new primary');
    const sent = await sequence.stop();
    const endedAt = Date.now();
    const onNew = await entriesOn(failover.newPrimary, channel);
    return {
      channel,
      svc,
      reconnects,
      handled,
      sequence,
      checkpoints,
      sent,
      acked: [...sequence.acked.keys()],
      onNew,
      oldPrimary,
      newPrimary: failover.newPrimary,
      startedAt,
      promotionMs: failover.ms,
      promotedAt,
      demotedAt,
      boundary,
      oldPrimaryUntil: Math.min(boundary, sequence.refused.find((r) => r.at >= startedAt)?.i ?? Infinity),
      firstNew,
      firstNewAckedAt,
      resumedAt: handled.first(firstNew),
      endedAt,
    };
  };

  /** The figures every scenario prints. */
  const figures = (o: Outcome): Record<string, number> => ({
    promotionMs: o.promotionMs,
    ...(o.demotedAt === undefined
      ? {
          publishResumeMs: o.firstNewAckedAt - o.promotedAt,
          resumeMs: o.resumedAt - o.promotedAt,
          resumeAfterKillMs: o.resumedAt - o.startedAt,
        }
      : { demotionMs: o.demotedAt - o.startedAt }),
    longestPublishPauseMs: o.sequence.longestPause(o.startedAt, o.endedAt),
    longestHandlingPauseMs: o.handled.longestPause(o.startedAt, o.endedAt),
    sent: o.sent,
    acked: o.acked.length,
    refused: o.sequence.refused.length,
    refusedInDoubt: o.sequence.refused.filter((r) => r.inDoubt).length,
    inDoubtAppended: o.sequence.refused.filter((r) => r.inDoubt && o.onNew.has(r.i)).length,
    lost: o.acked.filter((i) => !o.onNew.has(i)).length,
    duplicates: o.handled.duplicates(),
  });

  const report = (label: string, values: Record<string, unknown>): void => {
    console.log(`[sentinel ${label}] ${JSON.stringify(values)}`);
  };

  /** What holds in every scenario: each publish settled, each refusal a PublishError that told the truth. */
  const assertPublishesAccounted = (o: Outcome): void => {
    assert.deepEqual(o.sequence.unexpected, [], 'every refused publish is a PublishError');
    assert.equal(o.sent, o.acked.length + o.sequence.refused.length, 'every publish settled: acknowledged or refused');
    assert.deepEqual(
      o.sequence.refused.filter((r) => !r.inDoubt && o.onNew.has(r.i)).map((r) => r.i),
      [],
      'a publish refused as "nothing was appended" was not appended',
    );
    assert.deepEqual(
      o.acked.filter((i) => i >= o.oldPrimaryUntil && !o.onNew.has(i)),
      [],
      'every publish the new primary acknowledged is there',
    );
    assert.deepEqual(
      o.sequence.refused.filter((r) => r.i > o.firstNew).map((r) => r.i),
      [],
      'no publish refused once the new primary took them: no error left stuck',
    );
  };

  /** Publishes the old primary acknowledged after the last checkpoint the replica confirmed. */
  const ackedAfterLastCheckpoint = (o: Outcome): number =>
    o.acked.filter((i) => i > o.checkpoints.confirmed && i < o.oldPrimaryUntil).length;

  /** Lost publishes that asynchronous replication does not explain (acknowledged before a confirmed checkpoint). */
  const unexplainedLosses = (o: Outcome): number[] =>
    o.acked.filter((i) => !o.onNew.has(i) && (i <= o.checkpoints.confirmed || i >= o.oldPrimaryUntil));

  /** Every connection ready again, nothing pending or unread left in the group. */
  const assertSettled = async (o: Outcome): Promise<void> => {
    await waitFor(
      async () => (await o.svc.getStats()).connections.every((c) => c.state === 'ready'),
      'every connection ready again',
    );
    await waitFor(async () => {
      const group = (await o.svc.getStats()).perChannel[o.channel]?.redis;
      return group?.pending === 0 && group.lag === 0;
    }, 'nothing left pending or unread');
  };

  describe('Redis Sentinel', () => {
    for (const redisClient of CLIENT_NAMES) {
      it(`passwords the sentinels and the primary do not need: ${redisClient} connects without them and says so`, async () => {
        const redis = new RedisInstance({
          sentinels: setup.sentinels,
          primaryName: setup.name,
          password: 'unneeded',
          sentinelPassword: 'unneeded-too',
          client: redisClient,
        });
        await connectsWithoutUnneededLogin(
          redis,
          uniqueChannel(`login-${redisClient}`),
          ['unneeded', 'unneeded-too'],
          [/^sentinel 127\.0\.0\.1:\d+ did not take the login/, /^Redis did not take the login/],
        );
      });
    }

    it('warns once at start when the primary accepts writes without a replica (min-replicas-to-write 0), not when it is fenced', async () => {
      const warnings = async (): Promise<string[]> => {
        const logger = recordingLogger();
        const s = streamer('fence-check', { logger });
        const channel = uniqueChannel('fence');
        await s.subscribe(channel);
        s.registerHandler(channel, () => {});
        void s.persistConsume({ blockMs: 200 });
        const admin = new Redis({ host: '127.0.0.1', port: await setup.primaryPort() });
        try {
          await waitUntilWaiting(admin, 'fence-check'); // connected and checked: the loop waits
        } finally {
          admin.disconnect();
        }
        await s.cleanup();
        return logger.messages('warn').filter((m) => m.includes('min-replicas-to-write'));
      };
      assert.equal((await warnings()).length, 1, 'warned with the default configuration');
      await setup.configSet('min-replicas-to-write', 1);
      try {
        assert.deepEqual(await warnings(), [], 'no warning once the primary is fenced');
      } finally {
        await setup.configSet('min-replicas-to-write', 0);
      }
    });

    it('the primary killed during an at-least-once run: lost 0 beyond replication, refusals reported, consumption resumes', async () => {
      let child: ReturnType<typeof startChild> | undefined;
      const o = await throughFailover('kill', 'kill', { delivery: 'at-least-once' }, async (channel) => {
        child = startChild({ sentinels: setup.sentinels, name: setup.name, channel, service: 'kill-child' });
        leftovers.push(() => child?.kill());
        await child.ready;
      });
      await waitFor(
        () => [...o.onNew].every((i) => o.handled.has(i)),
        'every entry on the new primary handled',
        20_000,
      );
      const duplicated = o.handled.duplicated();
      report('kill, at-least-once', {
        ...figures(o),
        ackedAfterLastCheckpoint: ackedAfterLastCheckpoint(o),
        duplicatesFirstHandledAfterResume: duplicated.filter((i) => o.handled.first(i) >= o.resumedAt).length,
      });

      assertPublishesAccounted(o);
      assert.ok(o.sequence.refused.length > 0, 'publishes during the failover were refused, not queued silently');
      assert.deepEqual(unexplainedLosses(o), [], 'no acknowledged publish lost that replication does not explain');
      assert.deepEqual(
        [...o.onNew].filter((i) => !o.handled.has(i)),
        [],
        'every entry on the new primary was handled',
      );
      assert.deepEqual(
        duplicated.filter((i) => o.handled.first(i) >= o.resumedAt),
        [],
        'handled again only what was handled before the failover (its acknowledgement lost)',
      );
      assert.ok(
        o.resumedAt - o.promotedAt < 10_000,
        `consumption resumed ${o.resumedAt - o.promotedAt} ms after the promotion`,
      );

      // The reconnects were reported, and getStats tells what happened.
      assert.ok(o.reconnects.length > 0, 'reconnects were reported');
      assert.ok(
        o.reconnects.every((e) => e.endpoint.includes(`primary "${setup.name}" via sentinels`)),
        'each names the primary and its sentinels',
      );
      await assertSettled(o);
      const stats = await o.svc.getStats();
      assert.ok(stats.connections.reduce((n, c) => n + c.reconnects, 0) > 0, 'getStats counts the reconnects');
      assert.ok(
        stats.connections.some((c) => c.lastErrorCode === 'ERR_CONNECTION' && (c.lastErrorAt ?? 0) >= o.startedAt),
        `getStats shows the connection error: ${JSON.stringify(stats.connections)}`,
      );

      // The second service, in its own process, handled everything too, then exits by itself.
      await streamer('kill-stop').sendMessage(o.channel, { name: 'stop', body: { expect: [...o.onNew] } });
      const result = await child!.exit(30_000);
      assert.deepEqual(result.missing, [], 'the child service handled every entry on the new primary');
      assert.ok(result.reconnects > 0, 'the child went through the failover');
      assert.deepEqual(
        result.left.filter((r) => r !== 'PipeWrap'),
        [],
        'no socket, timer or other handle left after cleanup',
      );
      await setup.restartOld(o.oldPrimary, { asReplica: true });
    });

    it('a planned failover (SENTINEL FAILOVER) with min-replicas-to-write 1: lost 0 beyond replication, refusals reported, nothing left stuck', async () => {
      // A primary that lost its replica refuses writes: the old one once it sees its replica leave
      // (promoted), the new one until the old one replicates from it. Without this, see the next
      // test. What the old primary acknowledged just before it saw the replica leave, and had not
      // sent to it yet, is still lost: the checkpoints tell how much.
      await setup.configSet('min-replicas-to-write', 1);
      let o: Outcome;
      try {
        o = await throughFailover('planned', 'planned', { delivery: 'at-least-once' });
      } finally {
        await setup.configSet('min-replicas-to-write', 0);
      }
      await waitFor(
        () => [...o.onNew].every((i) => o.handled.has(i)),
        'every entry on the new primary handled',
        20_000,
      );
      const duplicated = o.handled.duplicated();
      const lost = o.acked.filter((i) => !o.onNew.has(i));
      const firstRefusal = o.sequence.refused.find((r) => r.at >= o.startedAt)?.at ?? NaN;
      report('planned, min-replicas-to-write 1, at-least-once', {
        ...figures(o),
        ackedAfterLastCheckpoint: ackedAfterLastCheckpoint(o),
        lostAckedBeforeFirstRefusalMs: lost.map((i) => firstRefusal - o.sequence.acked.get(i)!),
      });

      assertPublishesAccounted(o);
      assert.deepEqual(unexplainedLosses(o), [], 'no acknowledged publish lost that replication does not explain');
      assert.deepEqual(
        [...o.onNew].filter((i) => !o.handled.has(i)),
        [],
        'every entry on the new primary was handled',
      );
      assert.deepEqual(
        duplicated.filter((i) => o.handled.first(i) < o.startedAt || o.handled.first(i) >= o.resumedAt),
        [],
        'handled again only what was handled during the failover (its acknowledgement refused or lost)',
      );
      await assertSettled(o);
    });

    it('a sentinel that hangs (SIGSTOP) through a kill: the connections ask the next one, lost 0 beyond replication', async () => {
      // ioredis asks the sentinels in turn: a connection made through sentinels[0] asks sentinels[1]
      // first when it reconnects, so every connection meets the hung one.
      let o: Outcome;
      try {
        o = await throughFailover('hung', 'kill', { delivery: 'at-least-once' }, () => {
          setup.pauseSentinel(1);
          return Promise.resolve();
        });
      } finally {
        setup.resumeSentinel(1);
      }
      await waitFor(
        () => [...o.onNew].every((i) => o.handled.has(i)),
        'every entry on the new primary handled',
        20_000,
      );
      report('kill with a hung sentinel, at-least-once', figures(o));

      assertPublishesAccounted(o);
      assert.deepEqual(unexplainedLosses(o), [], 'no acknowledged publish lost that replication does not explain');
      assert.deepEqual(
        [...o.onNew].filter((i) => !o.handled.has(i)),
        [],
        'every entry on the new primary was handled',
      );
      assert.ok(
        o.resumedAt - o.promotedAt < 10_000,
        `consumption resumed ${o.resumedAt - o.promotedAt} ms after the promotion`,
      );
      await assertSettled(o);
      await setup.restartOld(o.oldPrimary, { asReplica: true });
    });

    it('a planned failover without min-replicas-to-write: what the old primary acknowledges until it is demoted is lost (measured)', async () => {
      const o = await throughFailover('split', 'planned', { delivery: 'at-least-once' });
      await waitFor(
        () => [...o.onNew].every((i) => o.handled.has(i)),
        'every entry on the new primary handled',
        20_000,
      );
      const lost = o.acked.filter((i) => !o.onNew.has(i));
      const ackedAt = (i: number): number => o.sequence.acked.get(i)! - o.startedAt;
      report('planned, default config, at-least-once', {
        ...figures(o),
        lostHandledOnOldPrimary: lost.filter((i) => o.handled.has(i)).length,
        lostAckedFromMs: lost.length === 0 ? null : ackedAt(lost[0]!),
        lostAckedToMs: lost.length === 0 ? null : ackedAt(lost.at(-1)!),
      });

      assertPublishesAccounted(o);
      assert.deepEqual(
        lost.filter((i) => ackedAt(i) < 0 || i >= o.oldPrimaryUntil),
        [],
        'lost only what the old primary acknowledged between the failover and its demotion',
      );
      assert.deepEqual(
        [...o.onNew].filter((i) => !o.handled.has(i)),
        [],
        'every entry on the new primary was handled',
      );
      await assertSettled(o);
    });

    it('at-most-once through a kill: no entry handled twice; what was in flight may be lost (measured)', async () => {
      const o = await throughFailover('amo', 'kill', { delivery: 'at-most-once' });
      const last = o.acked.at(-1)!;
      await waitFor(() => o.handled.has(last), 'the last publish handled', 15_000);
      await delay(300); // an absence: no entry comes a second time (nothing to wait on)
      const lostInFlight = [...o.onNew].filter((i) => !o.handled.has(i));
      report('kill, at-most-once', {
        ...figures(o),
        ackedAfterLastCheckpoint: ackedAfterLastCheckpoint(o),
        lostInFlight: lostInFlight.length,
      });

      assertPublishesAccounted(o);
      assert.deepEqual(unexplainedLosses(o), [], 'no acknowledged publish lost that replication does not explain');
      assert.deepEqual(o.handled.duplicated(), [], 'no entry handled twice');
      assert.deepEqual(
        lostInFlight.filter((i) => i >= o.boundary),
        [],
        'unhandled only what the old primary had handed out: entries it held at the kill',
      );
      assert.ok(
        o.resumedAt - o.promotedAt < 10_000,
        `consumption resumed ${o.resumedAt - o.promotedAt} ms after the promotion`,
      );
      await assertSettled(o);
    });
  });
}

/**
 * Sentinels that require a login, on real processes: a primary, a replica and three sentinels
 * started with `requirepass` (and `sentinel sentinel-pass`, so they still reach one another), the
 * data nodes without a password.
 * - The sentinels answer NOAUTH without a login, WRONGPASS with a wrong one, and the password works.
 * - A streamer given `sentinelPassword` subscribes, publishes and consumes.
 * - Without it, or with a wrong one, the streamer must fail within a few seconds with an AuthError
 *   that does not show the password.
 * - The built CLI reads the password from REDIS_SENTINEL_PASSWORD: with it, `publish` and `channels`
 *   work through --sentinel and --primary-name; without it (or a wrong one) it must exit 1 with one
 *   line saying the login was refused.
 * - Last, the primary is killed: the sentinels agree on a failover (they log in to one another for
 *   that) and the streamer, logging in to them again, follows it.
 *
 * The failure checks give up after a bounded wait and report what they saw: the library once
 * waited for ever there (ioredis retries the sentinels inside its connector and failed nothing).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import type { ChannelsJson, PublishJson } from '../../src/cli/shapes.js';
import { AuthError, RedisInstance, RedisStreamer, silentLogger } from '../../src/index.js';
import { builtCli, cli, cliJson } from '../cli/support.js';
import { needsPrivateServer, uniqueChannel, waitFor } from '../support/harness.js';
import { startSentinel, type SentinelSetup } from '../support/redis-sentinel.js';
import { redisCommand, RedisReplyError } from '../support/redis-server.js';

/** With a space, a quote and a `#`, which the sentinels' config file must take as they are. */
const PASSWORD = `sentinel "pw" #${randomUUID().slice(0, 8)}`;
const WRONG = `${PASSWORD}-wrong`;

/** How long a refused login may take to be reported (a standalone server's takes well under 3 s). */
const FAIL_WITHIN_MS = 5000;

/** How a promise settled within `ms`: its value, its error, or still pending. */
async function within<T>(promise: Promise<T>, ms: number): Promise<{ value: T } | { error: unknown } | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms)));
  try {
    return await Promise.race([
      promise.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      pending,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('Sentinel with a password', { skip: needsPrivateServer }, () => {
  let setup: SentinelSetup;
  const streamers: RedisStreamer[] = [];

  before(async () => {
    [setup] = await Promise.all([startSentinel({ sentinelPassword: PASSWORD }), builtCli()]);
  });

  after(async () => {
    await Promise.all(streamers.map((s) => s.cleanup()));
    await setup?.stop();
  });

  /** A streamer through the sentinels, logging in to them with `sentinelPassword` if given. */
  const streamer = (service: string, sentinelPassword?: string): RedisStreamer => {
    const instance = new RedisInstance({
      sentinels: setup.sentinels,
      primaryName: setup.name,
      ...(sentinelPassword === undefined ? {} : { sentinelPassword }),
    });
    const s = new RedisStreamer(instance, service, { logger: silentLogger });
    streamers.push(s);
    return s;
  };

  /** The CLI's global flags for the sentinels (the --url host is never used with --sentinel). */
  const sentinelFlags = (): string[] => [
    ...setup.sentinels.flatMap((s) => ['--sentinel', `${s.host}:${s.port}`]),
    '--primary-name',
    setup.name,
    '--url',
    'redis://ignored.invalid:1',
  ];

  it('the sentinels refuse a client that does not log in, and accept the password', async () => {
    const port = setup.sentinels[0]!.port;
    await assert.rejects(redisCommand(port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', setup.name]), {
      name: RedisReplyError.name,
      message: /^NOAUTH/,
    });
    await assert.rejects(redisCommand(port, ['PING'], { password: WRONG }), {
      name: RedisReplyError.name,
      message: /^WRONGPASS/,
    });
    const reply = await redisCommand(port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', setup.name], { password: PASSWORD });
    assert.deepEqual(reply, ['127.0.0.1', String(await setup.primaryPort())]);
  });

  it('a streamer with sentinelPassword subscribes, publishes and consumes', async () => {
    const channel = uniqueChannel('sentinel-auth');
    const svc = streamer('auth-svc', PASSWORD);
    const errors: unknown[] = [];
    svc.on('error', (err) => errors.push(err));
    const received: unknown[] = [];
    await svc.subscribe(channel, { startFromLatest: false });
    svc.registerHandler(channel, (name, payload) => void received.push({ name, payload }));
    const run = svc.persistConsume({ blockMs: 200 });
    const id = await streamer('auth-pub', PASSWORD).sendMessage(channel, { name: 'created', body: { n: 1 } });
    assert.match(id, /^\d+-\d+$/);
    await waitFor(() => received.length > 0, 'the message consumed', 10_000);
    assert.deepEqual(received, [{ name: 'created', payload: { n: 1 } }]);
    const stats = await svc.getStats();
    assert.ok(stats.connections.length > 0, 'getStats lists the connections');
    assert.ok(
      stats.connections.every((c) => c.lastErrorCode === null),
      `no connection error: ${JSON.stringify(stats.connections)}`,
    );
    assert.deepEqual(errors, []);
    assert.ok(!JSON.stringify(stats).includes(PASSWORD), 'the stats do not show the password');
    await svc.cleanup();
    await run;
  });

  it(`without the password, or with a wrong one, a streamer fails within ${FAIL_WITHIN_MS / 1000} s with an AuthError not showing it`, async () => {
    const cases: Array<[string, string | undefined]> = [
      ['no password', undefined],
      ['a wrong password', WRONG],
    ];
    await Promise.all(
      cases.map(async ([label, password]) => {
        const s = streamer(`auth-fail-${password === undefined ? 'none' : 'wrong'}`, password);
        try {
          // Cleaned up here, not only after the file: a call left waiting must not outlive the test.
          const started = Date.now();
          const outcomes = await Promise.all([
            within(s.subscribe(uniqueChannel('auth-fail')), FAIL_WITHIN_MS),
            within(s.sendMessage('auth-fail', { name: 'n', body: 1 }), FAIL_WITHIN_MS),
          ]);
          for (const [call, outcome] of [
            ['subscribe', outcomes[0]],
            ['sendMessage', outcomes[1]],
          ] as const) {
            if (outcome === 'pending') {
              const stats = await within(s.getStats(), 1000);
              const seen = typeof stats === 'object' && 'value' in stats ? stats.value.connections : stats;
              assert.fail(`${label}: ${call} still pending after ${Date.now() - started} ms; ${JSON.stringify(seen)}`);
            }
            assert.ok(typeof outcome === 'object' && 'error' in outcome, `${label}: ${call} succeeded`);
            // As with a standalone server that refuses the login (test/connection/failures.test.ts).
            const err = outcome.error;
            assert.ok(err instanceof AuthError, `${label}: ${call} failed with ${inspect(err)}`);
            assert.equal(err.code, 'ERR_AUTH');
            assert.equal(err.user, 'default', 'the user that logged in to the sentinels (no sentinelUsername given)');
            assert.match(err.message, /WRONGPASS|NOAUTH|refused the login/);
            const shown = inspect(err, { depth: 10, showHidden: true });
            assert.ok(!shown.includes(PASSWORD), `${label}: ${call}'s error shows the password`);
          }
        } finally {
          await s.cleanup();
        }
      }),
    );
  });

  it('the CLI publishes and lists channels with REDIS_SENTINEL_PASSWORD', async () => {
    const env = { REDIS_SENTINEL_PASSWORD: PASSWORD };
    const published = await cliJson<PublishJson>(
      [...sentinelFlags(), 'publish', 'cli-sentinel-auth', 'created', '{}'],
      {
        env,
      },
    );
    const listed = await cliJson<ChannelsJson>([...sentinelFlags(), 'channels'], { env });
    const entry = listed.channels.find((c) => c.channel === 'cli-sentinel-auth');
    assert.deepEqual(
      [entry?.length, entry?.lastEntryMs],
      [1, Number(published.id.split('-')[0])],
      JSON.stringify(listed),
    );
  });

  it('the CLI without REDIS_SENTINEL_PASSWORD, or with a wrong one, exits 1 with one line saying the login was refused', async () => {
    const runs = await Promise.all(
      [{}, { REDIS_SENTINEL_PASSWORD: WRONG }].map((env) =>
        cli([...sentinelFlags(), 'channels'], { env, timeoutMs: FAIL_WITHIN_MS + 3000 }).catch((err: Error) => err),
      ),
    );
    for (const [i, result] of runs.entries()) {
      const label = i === 0 ? 'no password' : 'a wrong password';
      assert.ok(!(result instanceof Error), `${label}: ${result instanceof Error ? result.message : ''}`);
      assert.equal(result.code, 1, `${label}: ${result.stderr}`);
      assert.match(result.stderr, /^redis-streamer: .+\n$/);
      assert.match(result.stderr, /WRONGPASS|NOAUTH|refused the login/);
      assert.ok(!result.stderr.includes(PASSWORD) && !result.stdout.includes(PASSWORD), `${label}: the password shows`);
    }
  });

  it('a streamer with sentinelPassword follows an automatic failover (the sentinels log in to one another to agree on it)', async () => {
    const channel = uniqueChannel('sentinel-auth-failover');
    const svc = streamer('failover-svc', PASSWORD);
    const received = new Set<number>();
    await svc.subscribe(channel, { startFromLatest: false });
    svc.registerHandler(channel, (_name, payload) => void received.add((payload as { i: number }).i));
    const run = svc.persistConsume({ blockMs: 200 });
    const pub = streamer('failover-pub', PASSWORD);
    await pub.sendMessage(channel, { name: 'n', body: { i: 1 } });
    await waitFor(() => received.has(1), 'the first message consumed');
    const old = await setup.primaryPort();
    // The group and the entry are on the replica before the primary goes.
    assert.equal(await redisCommand(old, ['WAIT', 1, 2000]), 1);
    await setup.killPrimary();
    const { newPrimary } = await setup.waitForFailover(old);
    assert.notEqual(newPrimary, old);
    // A publish while the connection finds the new primary may be refused: the next one goes there.
    await waitFor(
      () =>
        pub.sendMessage(channel, { name: 'n', body: { i: 2 } }).then(
          () => true,
          () => false,
        ),
      'a publish acknowledged after the failover',
    );
    await waitFor(() => received.has(2), 'a message consumed from the new primary');
    await svc.cleanup();
    await run;
  });
});

/**
 * A cluster or a Sentinel set that cannot be used fails every call within the connect timeout,
 * saying what is wrong, instead of hanging: cluster mode pointed at a plain server, a seed node
 * that is unreachable or that accepts connections and never answers, sentinels that are all
 * unreachable, and sentinels that do not know the primary's name. Covers publish, subscribe,
 * persistConsume, getStats, the Inspector and the CLI (exit 1 with the reason).
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  ConnectionError,
  Inspector,
  PartialPublishError,
  PublishError,
  RedisInstance,
  RedisStreamer,
  silentLogger,
  type RedisConnectionOptions,
} from '../../src/index.js';
import { builtCli, cli } from '../cli/support.js';
import { needsPrivateServer } from '../support/harness.js';
import { startSentinel, type SentinelSetup } from '../support/redis-sentinel.js';
import { freePort, startRedis, type RedisServer } from '../support/redis-server.js';

const TIMEOUT_MS = 2000;
/** What a call may take beyond the connect timeout (a loaded machine). */
const SLACK_MS = 1500;

/** The settled outcome of `promise`, or a failure naming `what` when it is still pending after the bound. */
async function settledWithin(
  what: string,
  promise: Promise<unknown>,
  timeoutMs = TIMEOUT_MS,
): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: still pending after ${timeoutMs + SLACK_MS} ms`)),
      timeoutMs + SLACK_MS,
    );
  });
  try {
    const error = await Promise.race([
      promise.then(
        () => undefined,
        (err: unknown) => err ?? 'rejected',
      ),
      hang,
    ]);
    return { ms: performance.now() - started, error };
  } finally {
    clearTimeout(timer);
  }
}

/** The connection error behind a call's rejection (a publish wraps it). */
function connectionCause(err: unknown): unknown {
  return err instanceof PublishError ? err.cause : err;
}

/** Every public call fails within the bound with a ConnectionError whose message matches `reason`. */
async function everyCallFails(options: RedisConnectionOptions, reason: RegExp, timeoutMs = TIMEOUT_MS): Promise<void> {
  const redis = new RedisInstance({ ...options, connectTimeoutMs: timeoutMs });
  const streamer = new RedisStreamer(redis, 'misconfigured', { logger: silentLogger });
  streamer.on('error', () => {});
  const inspector = new Inspector(redis);
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['sendMessage', () => streamer.sendMessage('orders', { name: 'n', body: {} })],
    ['sendMessages', () => streamer.sendMessages('orders', [{ name: 'n', body: {} }])],
    ['subscribe', () => streamer.subscribe('orders')],
    ['persistConsume', () => streamer.persistConsume({ blockMs: 500 })],
    ['inspector.channels', () => inspector.channels()],
    ['inspector.channel', () => inspector.channel('orders')],
  ];
  try {
    for (const [what, call] of calls) {
      const { error } = await settledWithin(what, call(), timeoutMs);
      if (what === 'sendMessages') assert.ok(error instanceof PartialPublishError, `${what}: ${String(error)}`);
      const cause = connectionCause(error);
      assert.ok(cause instanceof ConnectionError, `${what} rejected with ${String(error)}`);
      assert.equal(cause.sent, false, `${what}: nothing was sent`);
      assert.match(cause.message, reason, what);
    }
    const { error } = await settledWithin('getStats', streamer.getStats());
    assert.equal(error, undefined, 'getStats resolves');
    const stats = await streamer.getStats();
    assert.ok(
      stats.connections.some((c) => c.lastError !== null && reason.test(c.lastError)),
      'getStats shows why the connection is down',
    );
  } finally {
    await Promise.all([streamer.cleanup(), inspector.close()]);
  }
}

/** A TCP server that accepts connections and never answers. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('a cluster that cannot be used', { skip: needsPrivateServer }, () => {
  let plain: RedisServer;
  before(async () => {
    plain = await startRedis();
    await builtCli(); // built before the CLI's run is timed
  });
  after(async () => plain.stop());

  it('cluster mode pointed at a plain server: every call says it is not a cluster node', async () => {
    const node = `127.0.0.1:${plain.port}`;
    await everyCallFails({ cluster: [node] }, new RegExp(`${node} is not a cluster node \\(cluster_enabled:0\\)`));
  });

  it('rediss:// to a plain port (no TLS handshake answer): every call fails in time, naming that cause', async () => {
    await everyCallFails(
      { url: `rediss://127.0.0.1:${plain.port}` },
      /a TLS port reached without TLS .* or the reverse/,
    );
  });

  it('Sentinel pointed at a plain server: every call says it is not a sentinel', async () => {
    const node = `127.0.0.1:${plain.port}`;
    await everyCallFails(
      { sentinels: [node], primaryName: 'mymaster' },
      new RegExp(
        `${node} \\(.*unknown command.*: not a sentinel but a Redis server; give the sentinels' addresses`,
        'i',
      ),
    );
  });

  it('an unreachable seed: every call says no seed node answered, and why', async () => {
    const port = await freePort();
    await everyCallFails(
      { cluster: [`127.0.0.1:${port}`] },
      new RegExp(`no seed node answered: 127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED`),
    );
  });

  it('a seed that accepts connections and never answers: calls fail after the connect timeout', async () => {
    // A connect timeout below ioredis' slot-map refresh timeout (2 s): the bound is the library's own.
    const silent = await silentServer();
    try {
      await everyCallFails(
        { cluster: [`127.0.0.1:${silent.port}`] },
        /is not ready after 1000 ms \(connectTimeoutMs\)|no seed node answered: .*\(timeout\)/,
        1000,
      );
    } finally {
      await silent.close();
    }
  });

  it('the CLI exits 1 with the reason on one line', async () => {
    const url = `redis://127.0.0.1:${plain.port}`;
    const started = performance.now();
    const run = await cli(['channels', '--url', url, '--cluster', '--connect-timeout', '2s'], { timeoutMs: 10_000 });
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(`^redis-streamer: .*127\\.0\\.0\\.1:${plain.port} is not a cluster node \\(cluster_enabled:0\\)`, 'm'),
    );
    assert.equal(run.stdout, '');
    assert.ok(performance.now() - started < 8000, 'promptly');
  });
});

describe('a Sentinel set that cannot be used', { skip: needsPrivateServer }, () => {
  let setup: SentinelSetup;
  before(async () => (setup = await startSentinel()));
  after(async () => setup.stop());

  it('sentinels that do not know primaryName: every call says so', async () => {
    const sentinels = setup.sentinels.map((s) => `${s.host}:${s.port}`);
    await everyCallFails(
      { sentinels, primaryName: 'no-such-primary' },
      /the sentinels do not know a primary named "no-such-primary"/,
    );
  });

  it('every sentinel unreachable at start: every call says why for each', async () => {
    const ports = [await freePort(), await freePort()];
    await everyCallFails(
      { sentinels: ports.map((p) => `127.0.0.1:${p}`), primaryName: setup.name },
      new RegExp(
        `no sentinel said where the primary "${setup.name}" is: 127\\.0\\.0\\.1:${ports[0]} \\(.*ECONNREFUSED.*\\), 127\\.0\\.0\\.1:${ports[1]}`,
      ),
    );
  });

  it('the CLI exits 1 with the reason on one line', async () => {
    const sentinel = `${setup.sentinels[0]?.host}:${setup.sentinels[0]?.port}`;
    const run = await cli(['channels', '--sentinel', sentinel, '--primary-name', 'nope', '--connect-timeout', '2s'], {
      timeoutMs: 10_000,
    });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^redis-streamer: .*the sentinels do not know a primary named "nope"/m);
  });
});

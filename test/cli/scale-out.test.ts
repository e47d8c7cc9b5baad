/**
 * The built CLI against a Redis Cluster (several --url, or --cluster), Sentinel (--sentinel with
 * --primary-name) and a TLS server that wants a client certificate (rediss:// with --tls-ca,
 * --tls-cert, --tls-key).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChannelsJson, PublishJson, TailJson } from '../../src/cli/shapes.js';
import { needsPrivateServer } from '../support/harness.js';
import { startCluster, type RedisCluster } from '../support/redis-cluster.js';
import { startSentinel, type SentinelSetup } from '../support/redis-sentinel.js';
import { startTlsRedis, type TlsRedis } from '../support/redis-tls.js';
import { builtCli, cli, cliJson, LiveCli, startCli } from './support.js';

describe('cli: Redis Cluster', { skip: needsPrivateServer }, () => {
  let cluster: RedisCluster | undefined;
  before(async () => {
    [cluster] = await Promise.all([startCluster({ primaries: 3, replicasPerPrimary: 0 }), builtCli()]);
  });
  after(() => cluster?.stop());

  it('publishes, lists channels on every primary, and tails, with several --url or --cluster', async () => {
    const urls = cluster!.urls().flatMap((u) => ['--url', u]);
    const channels = ['cli-cl-a', 'cli-cl-b', 'cli-cl-c', 'cli-cl-d'];
    const slots = new Set(await Promise.all(channels.map(async (c) => (await cluster!.primaryFor(c)).port)));
    assert.ok(slots.size >= 2, 'the channels live on different primaries');
    const ids = await Promise.all(
      channels.map((c) => cliJson<PublishJson>([...urls, 'publish', c, 'created', `{"channel": "${c}"}`])),
    );
    const listed = await cliJson<ChannelsJson>(['--cluster', '--url', cluster!.urls()[0]!, 'channels']);
    assert.deepEqual(
      listed.channels.map((c) => [c.channel, c.length, c.lastEntryMs]),
      channels.map((c, i) => [c, 1, Number(ids[i]!.id.split('-')[0])]),
    );
    const live = new LiveCli(await startCli([...urls, 'tail', 'cli-cl-b', '--from-start', '--json']));
    await live.waitFor(/cli-cl-b/);
    const stoppedAt = Date.now();
    live.child.kill('SIGINT');
    const done = await live.done;
    assert.equal(done.code, 0, done.stderr);
    assert.ok(Date.now() - stoppedAt < 3000, 'Ctrl-C ends a wait on a cluster at once');
    assert.deepEqual((JSON.parse(live.stdout) as TailJson).body, { channel: 'cli-cl-b' });
  });
});

describe('cli: TLS with a client certificate', { skip: needsPrivateServer }, () => {
  let server: TlsRedis | undefined;
  before(async () => {
    [server] = await Promise.all([startTlsRedis({ requireClientCert: true }), builtCli()]);
  });
  after(() => server?.stop());

  it('connects with --tls-ca, --tls-cert and --tls-key; fails in one line (exit 1) without them', async () => {
    const { certs, url } = server!;
    const tls = ['--url', url, '--tls-ca', certs.ca, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey];
    const { id } = await cliJson<PublishJson>([...tls, 'publish', 'tls-orders', 'created', '{}']);
    const { channels } = await cliJson<ChannelsJson>([...tls, 'channels']);
    assert.deepEqual(
      channels.map((c) => [c.channel, c.lastEntryMs]),
      [['tls-orders', Number(id.split('-')[0])]],
    );
    const [wrongCa, noClientCert] = await Promise.all([
      cli([
        '--url',
        url,
        '--tls-ca',
        certs.wrongCa,
        '--tls-cert',
        certs.clientCert,
        '--tls-key',
        certs.clientKey,
        'channels',
      ]),
      cli(['--url', url, '--tls-ca', certs.ca, 'channels']),
    ]);
    for (const result of [wrongCa, noClientCert]) {
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /^redis-streamer: .+\n$/);
    }
    const halfPair = await cli(['--url', url, '--tls-cert', certs.clientCert, 'channels']);
    assert.equal(halfPair.code, 2);
    assert.match(halfPair.stderr, /--tls-cert and --tls-key go together/);
  });
});

describe('cli: Sentinel', { skip: needsPrivateServer }, () => {
  let setup: SentinelSetup | undefined;
  before(async () => {
    [setup] = await Promise.all([startSentinel(), builtCli()]);
  });
  after(() => setup?.stop());

  it('publishes and lists through --sentinel and --primary-name (the --url host is not used); refuses --sentinel alone', async () => {
    const flags = [
      ...setup!.sentinels.flatMap((s) => ['--sentinel', `${s.host}:${s.port}`]),
      '--primary-name',
      setup!.name,
      '--url',
      'redis://ignored.invalid:1',
    ];
    const published = await cliJson<PublishJson>([...flags, 'publish', 'cli-sentinel', 'created', '{}']);
    const listed = await cliJson<ChannelsJson>([...flags, 'channels']);
    assert.deepEqual(
      listed.channels.map((c) => [c.channel, c.lastEntryMs]),
      [['cli-sentinel', Number(published.id.split('-')[0])]],
    );
    const alone = await cli(['--sentinel', `${setup!.sentinels[0]!.host}:1`, 'channels']);
    assert.equal(alone.code, 2, alone.stderr);
    assert.match(alone.stderr, /--primary-name/);
  });
});

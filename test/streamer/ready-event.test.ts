/**
 * The 'ready' event: a connection tells when it is ready for commands, when first opened and again
 * after a reconnect, so that a health check or a framework integration (the NestJS transport's
 * status) can follow the connections without polling getStats().
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisStreamer, silentLogger, type ReadyEvent, type ReconnectEvent } from '../../src/index.js';
import { uniqueChannel, waitFor } from '../support/harness.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

describe("the 'ready' event", () => {
  let server: RedisServer;
  before(async () => (server = await startRedis()));
  after(async () => server.stop());

  it('fires when a connection opens, and again after the server came back', async () => {
    const s = new RedisStreamer(server.url, 'ready-svc', { logger: silentLogger });
    const ready: ReadyEvent[] = [];
    const reconnects: ReconnectEvent[] = [];
    s.on('ready', (event) => ready.push(event));
    s.on('reconnect', (event) => reconnects.push(event));
    const channel = uniqueChannel('ready');
    await s.sendMessage(channel, { name: 'n', body: 1 });
    assert.deepEqual(
      ready.map((e) => e.connection),
      ['command'],
    );
    assert.equal(ready[0]?.endpoint, `127.0.0.1:${server.port}`);

    await server.kill();
    await waitFor(() => reconnects.some((r) => r.connection === 'command'), 'a reconnect of the command connection');
    assert.equal(ready.length, 1, 'no ready while the server is down');
    await server.restart();
    await waitFor(() => ready.length === 2, 'ready again after the restart');
    assert.equal(ready[1]?.connection, 'command');
    await s.sendMessage(channel, { name: 'n', body: 2 });
    await s.cleanup();
  });
});

/**
 * A smoke run of the whole library over the in-memory transport, before the kit's own entry point
 * exists (see memory-transport.ts for how the port is swapped), then runs a streamer end to end: fan-out to two services,
 * load sharing, retries and a dead letter, a replay, stats. It checks that the port's semantics
 * hold up under the library's real consume loop; no redis-server is started.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Message, RedisStreamer, silentLogger, UnrecoverableError } from '../../src/index.js';
import { call } from '../../src/testing/memory/commands/index.js';
import { MemoryStore } from '../../src/testing/memory/store/store.js';
import { waitFor } from '../support/harness.js';
import { MEMORY_URL, useMemoryTransport } from './memory-transport.js';

const store = new MemoryStore();
let undo: (() => void) | undefined;
const streamers: RedisStreamer[] = [];
const runs: Array<Promise<void>> = [];
const errors: string[] = [];

function streamer(service: string): RedisStreamer {
  const s = new RedisStreamer(MEMORY_URL, service, {
    logger: silentLogger,
    delivery: 'at-least-once',
    maxAttempts: 3,
    retryBaseMs: 20,
    retryMaxMs: 50,
    claimIntervalMs: 50,
  });
  s.on('error', (err) => errors.push(`${service}: ${err.message}`));
  streamers.push(s);
  return s;
}

function consume(s: RedisStreamer): void {
  const run = s.persistConsume({ blockMs: 200 });
  run.catch(() => {});
  runs.push(run);
}

describe('the library over MemoryPort (smoke)', () => {
  before(() => {
    undo = useMemoryTransport(store);
  });
  after(async () => {
    await Promise.all(streamers.map((s) => s.cleanup()));
    await Promise.all(runs);
    undo?.();
  });

  it('fans out to two services, shares load within one, retries, dead-letters and replays', async () => {
    const got = { billing: [] as number[], audit: [] as number[] };
    const failures = new Map<number, number>();
    for (const service of ['billing', 'audit'] as const) {
      for (let instance = 0; instance < 2; instance++) {
        const s = streamer(service);
        await s.subscribe('orders');
        s.registerHandler('orders', (_name, payload) => {
          const { i } = payload as { i: number };
          if (service === 'billing' && i === 7 && (failures.get(i) ?? 0) >= 0) {
            failures.set(i, (failures.get(i) ?? 0) + 1);
            throw new Error('payment service down');
          }
          if (service === 'billing' && i === 8) throw new UnrecoverableError('bad order');
          got[service].push(i);
        });
        consume(s);
      }
    }
    const publisher = streamer('shop');
    await publisher.sendMessages(
      'orders',
      Array.from({ length: 50 }, (_, i) => new Message('order.created', { i })),
    );
    await waitFor(() => got.audit.length >= 50 && got.billing.length >= 48, 'every message handled');
    await waitFor(async () => (await streamers[0]!.deadLetters('orders').list()).length >= 2, 'two dead letters');
    assert.deepEqual(
      [...got.audit].sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.equal(new Set(got.billing).size, 48, 'each once');
    assert.equal(failures.get(7), 3, 'retried up to maxAttempts');
    const dead = await streamers[0]!.deadLetters('orders').list();
    assert.deepEqual(dead.map((d) => d.reason).sort(), ['max-attempts', 'unrecoverable'].sort());
    assert.equal(call(store, 'XLEN', 'orders'), 50);

    // The replay reaches the failing group only, and is handled there (i 7 now succeeds).
    failures.set(7, -100);
    const replayed = await streamers[0]!
      .deadLetters('orders')
      .replay(dead.filter((d) => d.reason === 'max-attempts').map((d) => d.deadLetterId));
    assert.equal(replayed.replayed, 1);
    const before = got.audit.length;
    await waitFor(() => got.billing.includes(7), 'the replayed message handled by billing');
    assert.equal(got.audit.length, before, 'audit did not see the replay');
    const stats = await streamers[0]!.getStats();
    assert.ok(
      stats.connections.every((c) => c.state === 'ready'),
      JSON.stringify(stats.connections),
    );
    assert.deepEqual(errors, []);
  });
});

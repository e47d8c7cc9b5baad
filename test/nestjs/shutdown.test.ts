/**
 * `app.close()` while handlers run: the transport stops reading, lets the running handler finish,
 * closes every connection, and the process exits by itself; in at-least-once mode nothing is lost
 * (what the closed instance had read but not handled goes to another instance of the service).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnStreamEvent } from '../../src/nestjs/index.js';
import { startChild } from '../support/processes.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { startService } from './nest-apps.js';

const redis = useRedis();

describe('NestJS transport: app.close()', () => {
  it('while a handler runs: the handler finishes, the process exits by itself, and no event is lost', async () => {
    const channel = uniqueChannel('nest-close');
    const service = 'closing';
    const child = await startChild('test/nestjs/child-nest-app.ts', [redis.url, channel, service]);
    const total = 12;
    await redis.streamer('pub').sendMessages(
      channel,
      Array.from({ length: total }, (_, i) => ({ name: 'job', body: { i } })),
    );
    await waitFor(
      () => /handled \d+\n[^]*started \d+/.test(child.output()),
      'a handler running after a first one finished',
    );

    child.process.stdin?.write('close\n');
    const timer = setTimeout(() => child.process.kill('SIGKILL'), 15_000);
    const code = await child.exited;
    clearTimeout(timer);
    const out = child.output();
    assert.equal(code, 0, `the child exited by itself (a SIGKILL after 15 s means it hung):\n${out}`);
    // Only the child's own stdio pipes may remain.
    const left = JSON.parse(/^closed (.*)$/m.exec(out)?.[1] ?? 'null') as string[] | null;
    assert.deepEqual(
      left?.filter((r) => r !== 'PipeWrap'),
      [],
      'no socket, timer or other handle left after app.close()',
    );
    const started = [...out.matchAll(/started (\d+)/g)].map((m) => Number(m[1]));
    const handledByChild = [...out.matchAll(/handled (\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(handledByChild, started, 'every handler that started finished before the exit');
    assert.ok(handledByChild.length < total, `the child was closed mid-way (it handled ${handledByChild.length})`);

    // Another instance of the service takes over what the closed one left.
    const handledHere: number[] = [];
    @Controller()
    class Takeover {
      @OnStreamEvent<{ i: number }>('job')
      job(@Payload() job: { i: number }): void {
        handledHere.push(job.i);
      }
    }
    await startService({
      url: redis.url,
      service,
      channels: [channel],
      controllers: [Takeover],
      options: { delivery: 'at-least-once', claimIdleMs: 600, claimIntervalMs: 100 },
    });
    const all = (): number[] => [...new Set([...handledByChild, ...handledHere])].sort((a, b) => a - b);
    await waitFor(() => all().length === total, 'every event handled by one instance or the other', 15_000);
    assert.deepEqual(
      all(),
      Array.from({ length: total }, (_, i) => i),
    );
    await waitFor(
      async () => Number(((await redis.client.xpending(channel, `${channel}:${service}:cg`)) as [number])[0]) === 0,
      'nothing left pending',
    );
  });
});

/**
 * ConsumeRun with fake loops, connect and maintenance (no Redis): the first connection gates the
 * start (a rejection rejects `done` and starts nothing; a stop before it resolves starts nothing),
 * one supervised loop per channel (also those added later), restart with a ConsumeError report of
 * a loop that ended unexpectedly, remove(channel) without restart, stop, the abort signal,
 * sameAs, and checkRunOptions.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { checkRunOptions, ConsumeRun, type ChannelLoop, type ConsumeRunDeps } from '../../src/consume/consume-run.js';
import { ConfigError, ConsumeError } from '../../src/errors.js';
import type { ErrorContext } from '../../src/events.js';
import type { ResolvedConsumeOptions } from '../../src/options.js';

const OPTIONS: ResolvedConsumeOptions = Object.freeze({
  restMs: 100,
  blockMs: 5000,
  count: 32,
  maxCount: 1024,
  cleanupIntervalMs: 300_000,
  ledgerIntervalMs: 300_000,
});

/** A promise with its resolve and reject exposed. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await sleep(0);
}

async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const result = await Promise.race([promise.catch(() => undefined), sleep(10).then(() => marker)]);
  return result === marker;
}

/** A loop that runs until stopped (or until the test ends it, or makes it fail). */
class FakeLoop implements ChannelLoop {
  stops = 0;
  running = false;
  private ended = deferred();
  /** When false, stop() does not end run() (the test ends it with end()). */
  stopEnds = true;

  constructor(readonly channel: string) {}

  async run(): Promise<void> {
    this.running = true;
    try {
      await this.ended.promise;
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    this.stops++;
    if (this.stopEnds) this.ended.resolve();
  }

  /** Ends run() although nobody asked it to stop. */
  end(): void {
    this.ended.resolve();
  }

  /** Makes run() reject. */
  fail(err: Error): void {
    this.ended.reject(err);
  }
}

/** Fake dependencies, recording what the run does. */
class Fakes {
  readonly connection = deferred();
  readonly loops: FakeLoop[] = [];
  readonly reports: Array<[unknown, ErrorContext]> = [];
  channels: string[] = ['a', 'b'];
  connects = 0;
  maintenanceStarts = 0;
  maintenanceStops = 0;
  aborts = 0;
  afterLoops = 0;

  readonly deps: ConsumeRunDeps = {
    connect: () => {
      this.connects++;
      return this.connection.promise;
    },
    loopFor: (channel) => {
      const loop = new FakeLoop(channel);
      this.loops.push(loop);
      return loop;
    },
    channels: () => this.channels,
    maintenance: {
      start: () => {
        this.maintenanceStarts++;
      },
      stop: () => {
        this.maintenanceStops++;
        return Promise.resolve();
      },
    },
    report: (err, context) => this.reports.push([err, context]),
    onAbort: () => {
      this.aborts++;
    },
    afterLoops: () => {
      this.afterLoops++;
      return Promise.resolve();
    },
  };

  loopsOf(channel: string): FakeLoop[] {
    return this.loops.filter((l) => l.channel === channel);
  }

  /** A run, connected and started. */
  async started(signal?: AbortSignal): Promise<ConsumeRun> {
    const run = new ConsumeRun(OPTIONS, signal, this.deps);
    this.connection.resolve();
    await flush();
    return run;
  }
}

describe('ConsumeRun: the first connection', () => {
  it('a connect rejection rejects done with its error and starts nothing', async () => {
    const fakes = new Fakes();
    const run = new ConsumeRun(OPTIONS, undefined, fakes.deps);
    const refused = new Error('WRONGPASS');
    fakes.connection.reject(refused);
    await assert.rejects(run.done, (err) => err === refused);
    assert.equal(fakes.connects, 1);
    assert.equal(fakes.loops.length, 0);
    assert.equal(fakes.maintenanceStarts, 0);
    assert.equal(fakes.maintenanceStops, 0);
    run.add('c');
    assert.equal(fakes.loops.length, 0, 'add after a failed start starts nothing');
    await run.stop(); // ignores the rejection
  });

  it('nothing starts before connect resolves', async () => {
    const fakes = new Fakes();
    const run = new ConsumeRun(OPTIONS, undefined, fakes.deps);
    await flush();
    run.add('c');
    assert.equal(fakes.loops.length, 0);
    assert.equal(fakes.maintenanceStarts, 0);
    assert.ok(await isPending(run.done));
    fakes.connection.resolve();
    await flush();
    assert.deepEqual(
      fakes.loops.map((l) => l.channel),
      ['a', 'b'],
      'the channels subscribed at start; the early add was ignored',
    );
    assert.equal(fakes.maintenanceStarts, 1);
    await run.stop();
  });

  it('stop before connect resolves: done resolves without starting anything, even if connect resolves later', async () => {
    const fakes = new Fakes();
    const run = new ConsumeRun(OPTIONS, undefined, fakes.deps);
    await flush();
    assert.equal(run.stopping, false);
    await run.stop();
    assert.equal(run.stopping, true);
    await run.done;
    fakes.connection.resolve();
    await flush();
    assert.equal(fakes.loops.length, 0);
    assert.equal(fakes.maintenanceStarts, 0);
  });

  it('stop before connect rejects: done resolves, and the late rejection is not unhandled', async () => {
    const fakes = new Fakes();
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown): void => {
      unhandled.push(err);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const run = new ConsumeRun(OPTIONS, undefined, fakes.deps);
      await run.stop();
      await run.done;
      fakes.connection.reject(new Error('late'));
      await flush();
      await sleep(10); // an absence: no unhandled rejection comes
      assert.deepEqual(unhandled, []);
      assert.equal(fakes.loops.length, 0);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('ConsumeRun: supervision', () => {
  it('runs one loop per channel and starts the maintenance; stop stops them all, then done resolves', async () => {
    const fakes = new Fakes();
    const run = await fakes.started();
    assert.deepEqual(
      fakes.loops.map((l) => [l.channel, l.running]),
      [
        ['a', true],
        ['b', true],
      ],
    );
    assert.equal(fakes.maintenanceStarts, 1);
    await run.stop();
    await run.done;
    assert.deepEqual(
      fakes.loops.map((l) => [l.stops, l.running]),
      [
        [1, false],
        [1, false],
      ],
    );
    assert.equal(fakes.maintenanceStops, 1);
    assert.equal(fakes.loops.length, 2, 'no loop restarted on stop');
    assert.deepEqual(fakes.reports, []);
  });

  it('done waits for every loop to shut down', async () => {
    const fakes = new Fakes();
    const run = await fakes.started();
    const slow = fakes.loops[0]!;
    slow.stopEnds = false;
    const stopping = run.stop();
    assert.ok(await isPending(run.done), 'a loop still shutting down');
    assert.ok(await isPending(stopping));
    slow.end();
    await stopping;
    await run.done;
    assert.equal(fakes.loops.length, 2);
  });

  it('channels added after the start are supervised; adding one twice starts it once', async () => {
    const fakes = new Fakes();
    const run = await fakes.started();
    run.add('c');
    run.add('c');
    run.add('a');
    assert.deepEqual(
      fakes.loops.map((l) => l.channel),
      ['a', 'b', 'c'],
    );
    await flush();
    assert.equal(fakes.loopsOf('c')[0]?.running, true);
    await run.stop();
    assert.equal(fakes.loopsOf('c')[0]?.stops, 1, 'stopped with the others');
    run.add('d');
    assert.equal(fakes.loopsOf('d').length, 0, 'nothing added once stopping');
  });

  it('a loop that ends (or fails) while not stopping is restarted, with a ConsumeError report', async () => {
    const fakes = new Fakes();
    const run = await fakes.started();
    const [a, b] = fakes.loops as [FakeLoop, FakeLoop];
    const crash = new Error('loop crashed');
    a.end();
    b.fail(crash);
    await flush();
    // The thrown error is reported as it is, then each restart with a ConsumeError naming the channel.
    assert.equal(fakes.reports.length, 3);
    assert.deepEqual(
      fakes.reports.filter(([err]) => err === crash),
      [[crash, { phase: 'consume', channel: 'b' }]],
    );
    const restarts = fakes.reports
      .filter(([err]) => err !== crash)
      .sort((x, y) => String(x[1].channel).localeCompare(String(y[1].channel)));
    for (const [[err, context], channel] of restarts.map((r, i) => [r, ['a', 'b'][i]] as const)) {
      assert.ok(err instanceof ConsumeError, String(err));
      assert.equal(err.code, 'ERR_CONSUME');
      assert.match(err.message, new RegExp(`"${channel}" ended unexpectedly; restarting it`));
      assert.deepEqual(context, { phase: 'consume', channel });
    }
    assert.equal(fakes.loops.length, 2, 'not restarted at once: a backoff first');
    // backoffDelay(1, 500, 30000) is 250 to 500 ms.
    const started = Date.now();
    while (fakes.loops.length < 4 && Date.now() - started < 2000) await sleep(20);
    assert.equal(fakes.loopsOf('a').length, 2);
    assert.equal(fakes.loopsOf('b').length, 2);
    assert.ok(Date.now() - started >= 200, `restarted after ${Date.now() - started} ms`);
    assert.equal(fakes.loopsOf('a')[1]?.running, true);
    await run.stop();
    assert.equal(fakes.loopsOf('a')[1]?.stops, 1);
    assert.equal(fakes.loopsOf('b')[1]?.stops, 1);
    assert.equal(fakes.loops.length, 4);
  });

  it('stop during the restart backoff ends the run at once, without restarting', async () => {
    const fakes = new Fakes();
    fakes.channels = ['a'];
    const run = await fakes.started();
    fakes.loops[0]!.end();
    await flush();
    assert.equal(fakes.reports.length, 1);
    const started = Date.now();
    await run.stop();
    assert.ok(Date.now() - started < 200, `stopped after ${Date.now() - started} ms`);
    await sleep(10); // an absence: no restart comes
    assert.equal(fakes.loops.length, 1);
  });

  it('remove(channel) stops that loop without restarting it; the others keep running', async () => {
    const fakes = new Fakes();
    const run = await fakes.started();
    const [a, b] = fakes.loops as [FakeLoop, FakeLoop];
    await run.remove('a');
    assert.equal(a.stops, 1);
    assert.equal(a.running, false);
    assert.equal(b.stops, 0);
    assert.equal(b.running, true);
    await sleep(20); // an absence: no restart comes
    assert.equal(fakes.loops.length, 2, 'not restarted');
    assert.deepEqual(fakes.reports, [], 'a removed loop that ends is no failure');
    await run.remove('unknown'); // nothing to do
    await run.remove('a'); // twice: nothing to do
    assert.equal(a.stops, 1);
    // Added again later, it gets a new loop.
    run.add('a');
    assert.equal(fakes.loopsOf('a').length, 2);
    await flush();
    assert.equal(fakes.loopsOf('a')[1]?.running, true);
    await run.stop();
    assert.equal(fakes.loopsOf('a')[1]?.stops, 1);
    assert.equal(b.stops, 1);
  });

  it('remove resolves only once the loop has shut down', async () => {
    const fakes = new Fakes();
    const run = await fakes.started();
    const a = fakes.loops[0]!;
    a.stopEnds = false;
    const removing = run.remove('a');
    assert.ok(await isPending(removing));
    a.end();
    await removing;
    assert.equal(fakes.loops.length, 2);
    await run.stop();
  });

  it('a channel added again while it is being removed is consumed once the old loop is down', async () => {
    const fakes = new Fakes();
    const run = await fakes.started();
    const a = fakes.loops[0]!;
    a.stopEnds = false;
    const removing = run.remove('a');
    run.add('a'); // unsubscribe, then subscribe again at once
    assert.equal(fakes.loopsOf('a').length, 1, 'not two loops of one channel at a time');
    a.end();
    await removing;
    await flush();
    assert.equal(fakes.loopsOf('a').length, 2, 'a new loop for the channel');
    assert.equal(fakes.loopsOf('a')[1]!.running, true);
    await run.stop();
  });

  it('remove ends a restart backoff at once', async () => {
    const fakes = new Fakes();
    const run = await fakes.started();
    fakes.loops[0]!.end(); // an unexpected end: the restart waits 250-500 ms
    await flush();
    const started = performance.now();
    await run.remove('a');
    assert.ok(performance.now() - started < 100, `remove took ${performance.now() - started} ms`);
    assert.equal(fakes.loopsOf('a').length, 1, 'not restarted');
    await run.stop();
  });

  it('a loopFor that throws is reported and retried, never an unhandled rejection', async () => {
    const fakes = new Fakes();
    let failures = 1;
    const loopFor = fakes.deps.loopFor;
    const deps: ConsumeRunDeps = {
      ...fakes.deps,
      loopFor: (channel) => {
        if (channel === 'a' && failures-- > 0) throw new Error('cannot build');
        return loopFor(channel);
      },
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown): void => void unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    const run = new ConsumeRun(OPTIONS, undefined, deps);
    fakes.connection.resolve();
    // The first restart waits 250-500 ms: look every 20 ms until it built the loop (or 5 s passed).
    const started = Date.now();
    while (fakes.loopsOf('a').length < 1 && Date.now() - started < 5000) await sleep(20);
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, []);
    assert.ok(fakes.reports.some(([err]) => err instanceof Error && err.message === 'cannot build'));
    assert.equal(fakes.loopsOf('a').length, 1, 'built on the next attempt');
    await run.stop();
  });
});

describe('ConsumeRun: the abort signal', () => {
  it('calls onAbort when the signal fires, and no longer once the run is done', async () => {
    const fakes = new Fakes();
    const controller = new AbortController();
    const run = await fakes.started(controller.signal);
    assert.equal(fakes.aborts, 0);
    controller.abort();
    assert.equal(fakes.aborts, 1);
    await run.stop();

    const later = new AbortController();
    const fakes2 = new Fakes();
    const run2 = await fakes2.started(later.signal);
    await run2.stop();
    await flush();
    later.abort();
    assert.equal(fakes2.aborts, 0, 'the listener was removed when the run ended');
  });
});

describe('ConsumeRun.sameAs', () => {
  it('compares every option by value and the signal by identity', async () => {
    const fakes = new Fakes();
    const signal = new AbortController().signal;
    const run = new ConsumeRun(OPTIONS, signal, fakes.deps);
    assert.equal(run.options, OPTIONS);
    assert.equal(run.signal, signal);
    assert.equal(run.sameAs({ ...OPTIONS }, signal), true);
    for (const key of Object.keys(OPTIONS) as Array<keyof ResolvedConsumeOptions>) {
      assert.equal(run.sameAs({ ...OPTIONS, [key]: OPTIONS[key] + 1 }, signal), false, key);
    }
    assert.equal(run.sameAs({ ...OPTIONS }, undefined), false);
    assert.equal(run.sameAs({ ...OPTIONS }, new AbortController().signal), false);
    await run.stop();

    const unsignalled = new ConsumeRun(OPTIONS, undefined, new Fakes().deps);
    assert.equal(unsignalled.sameAs({ ...OPTIONS }, undefined), true);
    assert.equal(unsignalled.sameAs({ ...OPTIONS }, signal), false);
    await unsignalled.stop();
  });
});

describe('checkRunOptions', () => {
  it('refuses staleGroupMs <= blockMs + 2 s with a ConfigError naming both', () => {
    for (const staleGroupMs of [0, 5000, 6999, 7000]) {
      assert.throws(
        () => checkRunOptions(OPTIONS, staleGroupMs),
        (err) =>
          err instanceof ConfigError &&
          err.message.includes(`staleGroupMs (${staleGroupMs})`) &&
          err.message.includes('blockMs (5000)'),
        String(staleGroupMs),
      );
    }
  });

  it('accepts staleGroupMs above blockMs + 2 s', () => {
    checkRunOptions(OPTIONS, 7001);
    checkRunOptions({ ...OPTIONS, blockMs: 100 }, 2101);
    assert.throws(() => checkRunOptions({ ...OPTIONS, blockMs: 100 }, 2100), ConfigError);
  });
});

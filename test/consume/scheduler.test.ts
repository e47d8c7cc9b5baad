/**
 * Scheduler: concurrency limit, submission order, per-key ordering, load tracking.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { Scheduler } from '../../src/consume/scheduler.js';

/** A promise with its resolve and reject exposed. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void } {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
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

/** Records start/end events and the highest number of jobs running at once. */
class Probe {
  readonly events: string[] = [];
  running = 0;
  maxRunning = 0;
  private readonly runningKeys = new Map<string, number>();
  maxSameKey = 0;

  job(label: string, ms: number, key?: string): () => Promise<void> {
    return async () => {
      this.events.push(`start ${label}`);
      this.running++;
      this.maxRunning = Math.max(this.maxRunning, this.running);
      if (key !== undefined) {
        const n = (this.runningKeys.get(key) ?? 0) + 1;
        this.runningKeys.set(key, n);
        this.maxSameKey = Math.max(this.maxSameKey, n);
      }
      await sleep(ms);
      if (key !== undefined) this.runningKeys.set(key, this.runningKeys.get(key)! - 1);
      this.running--;
      this.events.push(`end ${label}`);
    };
  }

  starts(): string[] {
    return this.events.filter((e) => e.startsWith('start ')).map((e) => e.slice(6));
  }
}

void describe('Scheduler', () => {
  void it('with limit 1 runs jobs one at a time in submission order', async () => {
    const scheduler = new Scheduler(1);
    const probe = new Probe();
    const durations = [5, 1, 3, 0, 2, 1];
    durations.forEach((ms, i) => scheduler.submit(probe.job(String(i), ms)));
    await scheduler.waitForLoadAtMost(0);
    assert.equal(probe.maxRunning, 1);
    const expected = durations.flatMap((_, i) => [`start ${i}`, `end ${i}`]);
    assert.deepEqual(probe.events, expected);
  });

  void it('with limit 1 keeps submission order across ordering keys', async () => {
    // The class promises: "With a limit of 1 everything runs in submission (stream) order."
    const scheduler = new Scheduler(1);
    const probe = new Probe();
    scheduler.submit(probe.job('A', 1, 'k1'), 'k1');
    scheduler.submit(probe.job('B', 1, 'k1'), 'k1');
    scheduler.submit(probe.job('C', 1, 'k2'), 'k2');
    scheduler.submit(probe.job('D', 1));
    await scheduler.waitForLoadAtMost(0);
    assert.equal(probe.maxRunning, 1);
    assert.deepEqual(probe.starts(), ['A', 'B', 'C', 'D']);
  });

  void it('starts only the first job synchronously and the next only after it settles', async () => {
    const scheduler = new Scheduler(1);
    const first = deferred();
    let secondStarted = false;
    scheduler.submit(() => first.promise);
    scheduler.submit(() => {
      secondStarted = true;
      return Promise.resolve();
    });
    await flush();
    assert.equal(secondStarted, false);
    first.resolve();
    await flush();
    assert.equal(secondStarted, true);
  });

  void it('with limit N never runs more than N at once, and does reach N', async () => {
    for (const limit of [2, 3, 5]) {
      const scheduler = new Scheduler(limit);
      const probe = new Probe();
      for (let i = 0; i < 20; i++) scheduler.submit(probe.job(String(i), 1 + (i % 3)));
      assert.equal(probe.running, limit, 'the first N start at once');
      await scheduler.waitForLoadAtMost(0);
      assert.equal(probe.maxRunning, limit, `limit ${limit}`);
      assert.equal(probe.starts().length, 20);
      // Jobs without a key start in submission order.
      assert.deepEqual(
        probe.starts(),
        Array.from({ length: 20 }, (_, i) => String(i)),
      );
    }
  });

  void it('runs jobs with the same key one after another, in order, while other keys overlap', async () => {
    const scheduler = new Scheduler(4);
    const probe = new Probe();
    const order = new Map<string, string[]>();
    for (let i = 0; i < 12; i++) {
      const key = `k${i % 3}`;
      const job = probe.job(String(i), 3 - (i % 3), key);
      scheduler.submit(async () => {
        const list = order.get(key) ?? [];
        list.push(String(i));
        order.set(key, list);
        await job();
      }, key);
    }
    assert.equal(probe.running, 3, 'one job per key starts at once');
    await scheduler.waitForLoadAtMost(0);
    assert.equal(probe.maxSameKey, 1, 'never two jobs of one key at once');
    assert.equal(probe.maxRunning, 3, 'different keys overlap');
    assert.deepEqual(order.get('k0'), ['0', '3', '6', '9']);
    assert.deepEqual(order.get('k1'), ['1', '4', '7', '10']);
    assert.deepEqual(order.get('k2'), ['2', '5', '8', '11']);
  });

  void it('waits for a key to finish without blocking other keys or unkeyed jobs', async () => {
    const scheduler = new Scheduler(3);
    const a1 = deferred();
    const started: string[] = [];
    scheduler.submit(() => {
      started.push('a1');
      return a1.promise;
    }, 'a');
    scheduler.submit(() => {
      started.push('a2');
      return Promise.resolve();
    }, 'a');
    scheduler.submit(() => {
      started.push('b1');
      return Promise.resolve();
    }, 'b');
    scheduler.submit(() => {
      started.push('free');
      return Promise.resolve();
    });
    await flush();
    assert.deepEqual(started, ['a1', 'b1', 'free']);
    assert.equal(scheduler.load, 2, 'a1 running, a2 waiting');
    a1.resolve();
    await scheduler.waitForLoadAtMost(0);
    assert.deepEqual(started, ['a1', 'b1', 'free', 'a2']);
  });

  void it('accepts numeric keys and keeps them apart from string keys', async () => {
    const scheduler = new Scheduler(2);
    const probe = new Probe();
    scheduler.submit(probe.job('n1', 3, 'n'), 1);
    scheduler.submit(probe.job('s1', 3, 's'), '1');
    assert.equal(probe.running, 2, 'key 1 and key "1" are different keys');
    scheduler.submit(probe.job('n2', 1, 'n'), 1);
    await scheduler.waitForLoadAtMost(0);
    assert.equal(probe.maxSameKey, 1);
  });

  void it('counts running and waiting jobs in load', async () => {
    const scheduler = new Scheduler(2);
    assert.equal(scheduler.load, 0);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    for (const gate of gates) scheduler.submit(() => gate.promise);
    assert.equal(scheduler.load, 4);
    gates[0]!.resolve();
    await flush();
    assert.equal(scheduler.load, 3);
    gates[2]!.resolve(); // running now; finishes
    await flush();
    assert.equal(scheduler.load, 2);
    gates[1]!.resolve();
    gates[3]!.resolve();
    await flush();
    assert.equal(scheduler.load, 0);
  });

  void it('resolves waitForLoadAtMost at once when the load is already low enough', async () => {
    const scheduler = new Scheduler(1);
    let resolved = false;
    void scheduler.waitForLoadAtMost(0).then(() => (resolved = true));
    await flush();
    assert.equal(resolved, true);
  });

  void it('resolves waitForLoadAtMost when the load drops to the bound', async () => {
    const scheduler = new Scheduler(1);
    const gates = [deferred(), deferred(), deferred()];
    for (const gate of gates) scheduler.submit(() => gate.promise);
    const reached: number[] = [];
    void scheduler.waitForLoadAtMost(2).then(() => reached.push(2));
    void scheduler.waitForLoadAtMost(0).then(() => reached.push(0));
    void scheduler.waitForLoadAtMost(1).then(() => reached.push(1));
    await flush();
    assert.deepEqual(reached, []);
    gates[0]!.resolve();
    await flush();
    assert.deepEqual(reached, [2]);
    gates[1]!.resolve();
    await flush();
    assert.deepEqual(reached, [2, 1]);
    gates[2]!.resolve();
    await flush();
    assert.deepEqual(reached, [2, 1, 0]);
  });

  void it('keeps going after a job rejects', async () => {
    const scheduler = new Scheduler(1);
    const ran: string[] = [];
    scheduler.submit(() => Promise.reject(new Error('boom')));
    scheduler.submit(async () => {
      ran.push('after unkeyed failure');
      await sleep(0);
      throw new Error('boom again');
    }, 'k');
    scheduler.submit(() => {
      ran.push('same key after failure');
      return Promise.resolve();
    }, 'k');
    scheduler.submit(() => {
      ran.push('last');
      return Promise.resolve();
    });
    await scheduler.waitForLoadAtMost(0);
    assert.deepEqual(ran.sort(), ['after unkeyed failure', 'last', 'same key after failure']);
    assert.equal(scheduler.load, 0);
  });
});

/**
 * The delivery strategies AtMostOnce and AtLeastOnce, against a fake GroupWriter that records its
 * calls (no Redis): what each decides for a failure (dead letter, retry with backoff and jitter),
 * which writes it makes when an entry was handled, skipped, failed or could not be decoded, and
 * its flags.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RawEntry } from '../../src/connection/port.js';
import { AtLeastOnce, type RetryPolicy } from '../../src/delivery/at-least-once.js';
import { AtMostOnce } from '../../src/delivery/at-most-once.js';
import type { GroupWriter } from '../../src/delivery/group-writer.js';
import type { DeliveryStrategy, Settled, SourceKind } from '../../src/delivery/strategy.js';
import { DecodeError, UnrecoverableError } from '../../src/errors.js';
import type { DeadLetterReason } from '../../src/events.js';

type Call =
  | { readonly op: 'ack'; readonly kind: SourceKind; readonly id: string; readonly retried: boolean }
  | { readonly op: 'ackUnlessRetrying'; readonly kind: SourceKind; readonly ids: readonly string[] }
  | { readonly op: 'scheduleRetry'; readonly s: Settled; readonly delayMs: number }
  | {
      readonly op: 'deadLetter';
      readonly s: Settled;
      readonly reason: DeadLetterReason;
      readonly error: unknown;
      readonly ack: boolean;
    }
  | { readonly op: 'queuedAcks'; readonly kind: SourceKind }
  | { readonly op: 'close' };

/** The part of GroupWriter the strategies use, recording every call. */
class FakeWriter {
  readonly calls: Call[] = [];
  queued: Record<SourceKind, string[]> = { channel: ['1-1'], replay: ['9-9'] };
  closed = 0;

  ack(kind: SourceKind, id: string, retried: boolean): void {
    this.calls.push({ op: 'ack', kind, id, retried });
  }

  ackUnlessRetrying(kind: SourceKind, ids: readonly string[]): Promise<void> {
    this.calls.push({ op: 'ackUnlessRetrying', kind, ids: [...ids] });
    return Promise.resolve();
  }

  scheduleRetry(s: Settled, delayMs: number): Promise<boolean> {
    this.calls.push({ op: 'scheduleRetry', s, delayMs });
    return Promise.resolve(true);
  }

  deadLetter(s: Settled, reason: DeadLetterReason, error: unknown, ack: boolean): Promise<boolean> {
    this.calls.push({ op: 'deadLetter', s, reason, error, ack });
    return Promise.resolve(true);
  }

  queuedAcks(kind: SourceKind): readonly string[] {
    this.calls.push({ op: 'queuedAcks', kind });
    return this.queued[kind];
  }

  close(): Promise<void> {
    this.calls.push({ op: 'close' });
    this.closed++;
    return Promise.resolve();
  }

  /** Typed as the real writer for the strategies' constructors (the strategies use these methods only). */
  get asWriter(): GroupWriter {
    return this as unknown as GroupWriter;
  }
}

const POLICY: RetryPolicy = { maxAttempts: 5, retryBaseMs: 100, retryMaxMs: 1000 };

function settled(id: string, source: SourceKind, attempt: number): Settled {
  const entry: RawEntry = [id, ['name', 'n', 'body', '{}']];
  return { entry, source, attempt };
}

function atLeastOnce(policy: Partial<RetryPolicy> = {}): { strategy: AtLeastOnce; writer: FakeWriter } {
  const writer = new FakeWriter();
  return { strategy: new AtLeastOnce(writer.asWriter, { ...POLICY, ...policy }), writer };
}

function atMostOnce(): { strategy: AtMostOnce; writer: FakeWriter } {
  const writer = new FakeWriter();
  return { strategy: new AtMostOnce(writer.asWriter), writer };
}

/** The backoff of `attempt` before jitter: min(max, base * 2^(attempt-1)). */
function expOf(attempt: number, policy: RetryPolicy = POLICY): number {
  return Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** (attempt - 1));
}

describe('AtMostOnce', () => {
  it('has the flags of NOACK reads: no pending list, queued entries handled at shutdown', () => {
    const { strategy } = atMostOnce();
    assert.equal(strategy.mode, 'at-most-once');
    assert.equal(strategy.noAck, true);
    assert.equal(strategy.keepsPending, false);
    assert.equal(strategy.leavesQueuedOnShutdown, false);
  });

  it('decide: always dead-letters with reason handler-failed, whatever the attempt or error', () => {
    // Through the interface: AtMostOnce's own decide() takes no argument.
    const strategy: DeliveryStrategy = atMostOnce().strategy;
    for (const [attempt, errors] of [
      [1, [new Error('x')]],
      [7, [new UnrecoverableError('no')]],
      [1, []],
    ] as const) {
      assert.deepEqual(strategy.decide(attempt, errors), { action: 'dead-letter', reason: 'handler-failed' });
    }
  });

  it('handled: acknowledges (deletes) replay entries only, never channel entries', () => {
    const { strategy, writer } = atMostOnce();
    strategy.handled(settled('1-0', 'channel', 1));
    assert.deepEqual(writer.calls, []);
    strategy.handled(settled('2-0', 'replay', 1));
    assert.deepEqual(writer.calls, [{ op: 'ack', kind: 'replay', id: '2-0', retried: false }]);
  });

  it('skipped: acknowledges each replay id, nothing for channel ids', () => {
    const { strategy, writer } = atMostOnce();
    strategy.skipped('channel', ['1-0', '1-1']);
    assert.deepEqual(writer.calls, []);
    strategy.skipped('replay', ['2-0', '2-1']);
    assert.deepEqual(writer.calls, [
      { op: 'ack', kind: 'replay', id: '2-0', retried: false },
      { op: 'ack', kind: 'replay', id: '2-1', retried: false },
    ]);
  });

  it('failed: dead-letters without acknowledging (nothing is pending), with the decision reason', async () => {
    const { strategy, writer } = atMostOnce();
    const s = settled('3-0', 'channel', 1);
    const error = new Error('boom');
    await strategy.failed(s, strategy.decide(), error);
    assert.deepEqual(writer.calls, [{ op: 'deadLetter', s, reason: 'handler-failed', error, ack: false }]);
  });

  it('failed: a retry decision (not its own) still dead-letters as handler-failed, never schedules a retry', async () => {
    const { strategy, writer } = atMostOnce();
    const s = settled('3-1', 'replay', 1);
    const error = new Error('boom');
    await strategy.failed(s, { action: 'retry', delayMs: 100 }, error);
    assert.deepEqual(writer.calls, [{ op: 'deadLetter', s, reason: 'handler-failed', error, ack: false }]);
  });

  it('undecodable: dead-letters with the DecodeError reason, without acknowledging', async () => {
    const { strategy, writer } = atMostOnce();
    const s = settled('4-0', 'channel', 1);
    const error = new DecodeError('missing-body', 'entry has no "body" field');
    await strategy.undecodable(s, error);
    assert.deepEqual(writer.calls, [{ op: 'deadLetter', s, reason: 'missing-body', error, ack: false }]);
  });

  it('queuedAcks and close are the writer’s', async () => {
    const { strategy, writer } = atMostOnce();
    assert.deepEqual(strategy.queuedAcks('replay'), ['9-9']);
    assert.deepEqual(strategy.queuedAcks('channel'), ['1-1']);
    await strategy.close();
    assert.equal(writer.closed, 1);
  });
});

describe('AtLeastOnce', () => {
  it('has the flags of acknowledged reads: pending kept moving, queued entries left at shutdown', () => {
    const { strategy } = atLeastOnce();
    assert.equal(strategy.mode, 'at-least-once');
    assert.equal(strategy.noAck, false);
    assert.equal(strategy.keepsPending, true);
    assert.equal(strategy.leavesQueuedOnShutdown, true);
  });

  it('decide: an UnrecoverableError among the errors dead-letters at once as unrecoverable', () => {
    const { strategy } = atLeastOnce();
    assert.deepEqual(strategy.decide(1, [new Error('a'), new UnrecoverableError('bad input')]), {
      action: 'dead-letter',
      reason: 'unrecoverable',
    });
    // Even on the last attempt, the reason says why.
    assert.deepEqual(strategy.decide(5, [new UnrecoverableError('bad input')]), {
      action: 'dead-letter',
      reason: 'unrecoverable',
    });
  });

  it('decide: attempt >= maxAttempts dead-letters as max-attempts', () => {
    const { strategy } = atLeastOnce({ maxAttempts: 3 });
    assert.equal(strategy.decide(2, [new Error('x')]).action, 'retry');
    assert.deepEqual(strategy.decide(3, [new Error('x')]), { action: 'dead-letter', reason: 'max-attempts' });
    assert.deepEqual(strategy.decide(4, [new Error('x')]), { action: 'dead-letter', reason: 'max-attempts' });
  });

  it('decide: maxAttempts 1 never retries', () => {
    const { strategy } = atLeastOnce({ maxAttempts: 1 });
    assert.deepEqual(strategy.decide(1, [new Error('x')]), { action: 'dead-letter', reason: 'max-attempts' });
  });

  it('decide: retries with delay exp/2 + random * exp/2, exp = min(retryMax, retryBase * 2^(attempt-1))', () => {
    const policy: RetryPolicy = { maxAttempts: 10, retryBaseMs: 100, retryMaxMs: 1000 };
    for (const r of [0, 0.25, 0.5, 0.999]) {
      const { strategy } = atLeastOnce({ ...policy, random: () => r });
      for (let attempt = 1; attempt < 10; attempt++) {
        const exp = expOf(attempt, policy);
        assert.deepEqual(
          strategy.decide(attempt, [new Error('x')]),
          { action: 'retry', delayMs: Math.round(exp / 2 + r * (exp / 2)) },
          `attempt ${attempt}, random ${r}`,
        );
      }
    }
    // The exact values at the bounds: 50, 100, 200, 400, then capped at 500 (half of 1000).
    const { strategy: low } = atLeastOnce({ ...policy, random: () => 0 });
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((a) => (low.decide(a, [new Error('x')]) as { delayMs: number }).delayMs),
      [50, 100, 200, 400, 500, 500],
    );
    const { strategy: high } = atLeastOnce({ ...policy, random: () => 1 });
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((a) => (high.decide(a, [new Error('x')]) as { delayMs: number }).delayMs),
      [100, 200, 400, 800, 1000, 1000],
    );
  });

  it('decide: with the default randomness the delay stays within [exp/2, exp]', () => {
    const { strategy } = atLeastOnce({ maxAttempts: 100 });
    for (let attempt = 1; attempt < 8; attempt++) {
      const exp = expOf(attempt);
      for (let i = 0; i < 50; i++) {
        const d = strategy.decide(attempt, ['not even an Error']);
        assert.equal(d.action, 'retry');
        if (d.action !== 'retry') continue;
        assert.ok(
          d.delayMs >= exp / 2 && d.delayMs <= exp,
          `attempt ${attempt}: ${d.delayMs} not in [${exp / 2}, ${exp}]`,
        );
      }
    }
  });

  it('handled: acknowledges in its source, retried = attempt > 1', () => {
    const { strategy, writer } = atLeastOnce();
    strategy.handled(settled('1-0', 'channel', 1));
    strategy.handled(settled('1-1', 'channel', 2));
    strategy.handled(settled('2-0', 'replay', 1));
    strategy.handled(settled('2-1', 'replay', 4));
    assert.deepEqual(writer.calls, [
      { op: 'ack', kind: 'channel', id: '1-0', retried: false },
      { op: 'ack', kind: 'channel', id: '1-1', retried: true },
      { op: 'ack', kind: 'replay', id: '2-0', retried: false },
      { op: 'ack', kind: 'replay', id: '2-1', retried: true },
    ]);
  });

  it('skipped: uses ackUnlessRetrying (never a plain ack), for both sources, and nothing for no ids', () => {
    const { strategy, writer } = atLeastOnce();
    strategy.skipped('channel', []);
    assert.equal(writer.calls.length, 0);
    strategy.skipped('channel', ['1-0', '1-1']);
    strategy.skipped('replay', ['2-0']);
    assert.ok(!writer.calls.some((c) => c.op === 'ack'));
    assert.deepEqual(writer.calls, [
      { op: 'ackUnlessRetrying', kind: 'channel', ids: ['1-0', '1-1'] },
      { op: 'ackUnlessRetrying', kind: 'replay', ids: ['2-0'] },
    ]);
  });

  it('failed: a retry decision schedules the retry with its delay; nothing dead-lettered or acknowledged', async () => {
    const { strategy, writer } = atLeastOnce({ random: () => 0.5 });
    const s = settled('3-0', 'channel', 2);
    const decision = strategy.decide(s.attempt, [new Error('boom')]);
    assert.deepEqual(decision, { action: 'retry', delayMs: 150 });
    await strategy.failed(s, decision, new Error('boom'));
    assert.deepEqual(writer.calls, [{ op: 'scheduleRetry', s, delayMs: 150 }]);
  });

  it('failed: a dead-letter decision dead-letters with ack=true and the decision reason', async () => {
    const { strategy, writer } = atLeastOnce({ maxAttempts: 2 });
    const s = settled('3-1', 'replay', 2);
    const error = new Error('boom');
    await strategy.failed(s, strategy.decide(2, [error]), error);
    const unrecoverable = new UnrecoverableError('bad');
    await strategy.failed(s, strategy.decide(1, [unrecoverable]), unrecoverable);
    assert.deepEqual(writer.calls, [
      { op: 'deadLetter', s, reason: 'max-attempts', error, ack: true },
      { op: 'deadLetter', s, reason: 'unrecoverable', error: unrecoverable, ack: true },
    ]);
  });

  it('undecodable: dead-letters with the DecodeError reason and ack=true', async () => {
    const { strategy, writer } = atLeastOnce();
    for (const reason of ['invalid-json', 'invalid-utf8', 'too-large', 'missing-name'] as const) {
      const s = settled(`5-${reason.length}`, 'channel', 1);
      const error = new DecodeError(reason, reason);
      writer.calls.length = 0;
      await strategy.undecodable(s, error);
      assert.deepEqual(writer.calls, [{ op: 'deadLetter', s, reason, error, ack: true }]);
    }
  });

  it('queuedAcks and close are the writer’s', async () => {
    const { strategy, writer } = atLeastOnce();
    writer.queued.channel = ['7-0', '7-1'];
    assert.deepEqual(strategy.queuedAcks('channel'), ['7-0', '7-1']);
    assert.deepEqual(writer.calls, [{ op: 'queuedAcks', kind: 'channel' }]);
    await strategy.close();
    assert.equal(writer.closed, 1);
  });
});

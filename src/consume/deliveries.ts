/**
 * The one owner of an entry's life in a channel consumer: admitted (read from the channel or the
 * group's replay stream, or taken over from the pending list: all through the same door) → in
 * flight → handled by the pipeline → settled by the delivery strategy (acknowledged, left for a
 * retry, or dead-lettered). It alone tracks what is in flight and what another consumer took over;
 * the pending keeper asks it, and never edits its state.
 *
 * Round trips per entry on the success path: none of its own (acknowledgements are batched per
 * event-loop turn; at-most-once reads need none).
 */
import type { RawEntry } from '../connection/port.js';
import type { PendingHolder } from '../delivery/pending-keeper.js';
import type { ClaimedEntry } from '../delivery/reclaim.js';
import type { DeliveryStrategy, FailureDecision, Settled, SourceKind } from '../delivery/strategy.js';
import { ConsumeError, HookError } from '../errors.js';
import type { ErrorContext } from '../events.js';
import type { MessageContext } from '../handlers.js';
import type { SubscribeOptions } from '../options.js';
import type { CounterSet } from '../stats.js';
import { InFlight, type TrackedBatch } from './in-flight.js';
import type { Outcome, Pipeline, Prepared } from './pipeline.js';
import { Scheduler } from './scheduler.js';
import { cancellableSleep } from '../timers.js';

/** A batch of synchronous handlers yields to the event loop after this long (acks, leases, I/O). */
const SLICE_MS = 20;

/** A handler failure, as it is reported (never with the message body). */
export interface FailureReport {
  readonly channel: string;
  readonly group: string;
  readonly id: string;
  readonly name: string;
  readonly attempt: number;
  readonly error: Error;
  readonly decision: FailureDecision;
  /** The context the handlers got. */
  readonly context: MessageContext;
}

/** Called once an entry is finished, with its id. */
type Done = (id: string) => void;

/** Where the owner reports. */
export interface DeliveriesReporter {
  readonly error: (err: unknown, context: ErrorContext) => void;
  readonly handlerFailed: (report: FailureReport) => void;
  readonly warn: (fields: object, message: string) => void;
}

/** What the owner needs. */
export interface DeliveriesDeps {
  readonly channel: string;
  readonly group: string;
  readonly strategy: DeliveryStrategy;
  readonly pipeline: Pipeline;
  readonly concurrency: number;
  readonly orderingKey: SubscribeOptions['orderingKey'];
  readonly maxAttempts: number;
  readonly counters: CounterSet;
  readonly report: DeliveriesReporter;
}

/** The entries of one channel consumer, from admission to settlement. */
export class Deliveries implements PendingHolder {
  private readonly scheduler: Scheduler;
  private readonly inFlightBy: Record<SourceKind, InFlight> = { channel: new InFlight(), replay: new InFlight() };
  /** In-flight entries another consumer took over: not settled by this one. */
  private readonly takenBy: Record<SourceKind, Set<string>> = { channel: new Set(), replay: new Set() };
  /** In-flight entries that may carry a failure record (taken over, or failing): the sweep skips them. */
  private readonly retryingBy: Record<SourceKind, Set<string>> = { channel: new Set(), replay: new Set() };
  /** Failure writes in progress (a retry record, a dead letter), awaited on close. */
  private readonly writing = new Set<Promise<void>>();
  private readonly inOrder: boolean;
  private pendingAtRead = -1;
  /** At or below this load the consumer reads more (max of concurrency and batch size). */
  private lowWater: number;
  private replaysAtRead = false;
  private abandoning = false;
  private closed = false;

  constructor(private readonly deps: DeliveriesDeps) {
    this.scheduler = new Scheduler(deps.concurrency);
    this.inOrder = deps.concurrency === 1 && deps.orderingKey === undefined;
    this.lowWater = deps.concurrency;
  }

  /** Sets the load at or below which there is room for more (the consumer's batch size). */
  setLowWater(entries: number): void {
    this.lowWater = Math.max(this.deps.concurrency, entries);
  }

  /** Entries admitted and not finished (running or queued). */
  get load(): number {
    return this.scheduler.load;
  }

  /** Resolves once at most `max` entries are unfinished. */
  waitForLoadAtMost(max: number): Promise<void> {
    return this.scheduler.waitForLoadAtMost(max);
  }

  /** What the last read said of the group: its pending count and whether replays wait. */
  noteRead(pending: number, replays: boolean): void {
    this.pendingAtRead = pending;
    this.replaysAtRead = replays;
  }

  /**
   * Entries read (attempt 1), in stream order. With `overlap` (a full batch: more is waiting), an
   * in-order batch starts after the current event-loop turn, once the next read has been written,
   * so Redis serves it while this batch is handled; otherwise the handlers start at once (the
   * lowest latency for a lone entry).
   */
  admitRead(source: SourceKind, entries: readonly RawEntry[], overlap = false): void {
    if (entries.length === 0) return;
    this.deps.counters.add('delivered', entries.length);
    if (!this.inOrder) {
      for (const raw of entries) this.submit(source, this.deps.pipeline.prepare(raw), 1);
      return;
    }
    // One at a time, in order: the whole batch is one job, which runs its entries back to back
    // (no promise per entry while handlers are synchronous).
    const tracked = this.inFlightBy[source].addBatch(entries);
    this.scheduler.submit(() => this.runBatch(source, entries, tracked, overlap), undefined, entries.length);
  }

  /**
   * Entries taken over from the pending list: `claimed` ones (the claim counted a delivery) are
   * attempt deliveries + 1, `recovered` ones (their lost delivery is made good) keep their number.
   * Entries delivered `maxAttempts` times already are dead-lettered without running.
   */
  admitClaimed(source: SourceKind, claimed: readonly ClaimedEntry[], how: 'claimed' | 'recovered'): void {
    const inFlight = this.inFlightBy[source];
    for (const { entry, deliveriesBefore, own } of claimed) {
      const id = entry[0];
      if (inFlight.has(id)) continue; // already being handled here
      const attempt = how === 'claimed' ? deliveriesBefore + 1 : Math.max(1, deliveriesBefore);
      this.retryingBy[source].add(id); // a failure record may exist: no sweep claims it until it is finished
      if (attempt > this.deps.maxAttempts) {
        inFlight.add(id);
        const error = new ConsumeError(`delivered ${deliveriesBefore} times without success`);
        const decision: FailureDecision = { action: 'dead-letter', reason: 'max-attempts' };
        const settled: Settled = { entry, source, attempt: deliveriesBefore };
        void this.track(this.deps.strategy.failed(settled, decision, error).finally(() => this.finish(source, id)));
        continue;
      }
      if (how === 'claimed') this.deps.counters.add(own ? 'retried' : 'reclaimed');
      this.deps.counters.add('delivered');
      this.submit(source, this.deps.pipeline.prepare(entry), attempt);
    }
  }

  /** Entries that need no handling (dtpyfw's ledger had them): settled as the strategy says. */
  skip(source: SourceKind, entries: readonly RawEntry[]): void {
    if (entries.length === 0) return;
    this.deps.counters.add('deduplicated', entries.length);
    this.deps.strategy.skipped(
      source,
      entries.map((e) => e[0]),
    );
  }

  // PendingHolder: what the pending keeper asks.

  inFlight(source: SourceKind): readonly string[] {
    return this.inFlightBy[source].ids();
  }

  busy(source: SourceKind): readonly string[] {
    return [...this.inFlightBy[source].ids(), ...this.deps.strategy.queuedAcks(source)];
  }

  sweepBusy(source: SourceKind): readonly string[] {
    const retrying = this.retryingBy[source];
    const acks = this.deps.strategy.queuedAcks(source);
    return retrying.size === 0 ? acks : [...retrying, ...acks];
  }

  taken(source: SourceKind, ids: readonly string[]): void {
    const inFlight = this.inFlightBy[source];
    for (const id of ids) if (inFlight.has(id)) this.takenBy[source].add(id);
  }

  hasRoom(): boolean {
    return !this.abandoning && this.scheduler.load <= this.lowWater;
  }

  pendingSeen(): number {
    return this.pendingAtRead;
  }

  replaysSeen(): boolean {
    return this.replaysAtRead;
  }

  replaysGone(): void {
    this.replaysAtRead = false;
  }

  /**
   * From now on, entries not started are left pending (another consumer, or this service's next
   * process, takes them over) when the strategy says so; otherwise they are still handled.
   */
  abandonQueued(): void {
    this.abandoning = this.deps.strategy.leavesQueuedOnShutdown;
  }

  /** Waits up to `timeoutMs` for running handlers; resolves to how many entries are still unfinished. */
  async drain(timeoutMs: number): Promise<number> {
    if (this.scheduler.load === 0) return 0;
    const timeout = cancellableSleep(timeoutMs);
    await Promise.race([this.scheduler.waitForLoadAtMost(0), timeout.done]);
    timeout.cancel();
    return this.scheduler.load;
  }

  /** Waits for failure writes in progress, flushes acknowledgements, and stops writing. */
  async close(): Promise<void> {
    await Promise.all([...this.writing]);
    this.closed = true;
    await this.deps.strategy.close();
  }

  private submit(source: SourceKind, prepared: Prepared, attempt: number): void {
    const id = prepared.raw[0];
    this.inFlightBy[source].add(id);
    const key = this.keyOf(prepared);
    this.scheduler.submit(() => this.handleSafely(source, prepared, attempt), key);
  }

  private keyOf(p: Prepared): string | number | undefined {
    const orderingKey = this.deps.orderingKey;
    if (orderingKey === undefined || p.decoded === undefined) return undefined;
    try {
      return orderingKey(p.decoded.body, p.decoded.name);
    } catch (err) {
      const error = new HookError('orderingKey', err, 'the message is handled without an ordering key');
      this.deps.report.error(error, { phase: 'consume', channel: this.deps.channel });
      return undefined;
    }
  }

  /** Entries are decoded as they come up, so each one's objects are short-lived garbage. */
  private async runBatch(
    source: SourceKind,
    batch: readonly RawEntry[],
    tracked: TrackedBatch,
    overlap: boolean,
  ): Promise<void> {
    // After the loop has written its next read, so Redis works on it while this batch is handled:
    // the loop queues it in this turn's microtasks, and a client that writes what is queued at the
    // next turn of the event loop (node-redis, with setImmediate) writes it in this turn's immediates.
    if (overlap) {
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const inFlight = this.inFlightBy[source];
    // One closure per batch, not per entry (under tsx, naming a closure costs a defineProperty).
    const done = (id: string): void => {
      inFlight.advance(tracked);
      this.forgetSettled(source, id);
    };
    let slice = performance.now();
    for (const raw of batch) {
      const pending = this.handle(source, this.deps.pipeline.prepare(raw), 1, done);
      if (pending !== undefined) await pending;
      // Long runs of synchronous handlers let the event loop breathe: replies, acks, leases.
      if (performance.now() - slice > SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        slice = performance.now();
      }
    }
  }

  private handleSafely(source: SourceKind, prepared: Prepared, attempt: number): Promise<void> {
    return this.handle(source, prepared, attempt, (id) => this.finish(source, id)) ?? Promise.resolve();
  }

  /**
   * Handles one entry and settles it; never throws. Returns undefined when it finished
   * synchronously (the common case), else a promise that settles when it is done. `done` is called
   * once, with the entry's id, when the entry is finished (before that promise settles). An
   * asynchronous outcome costs one reaction before `done`.
   */
  private handle(source: SourceKind, prepared: Prepared, attempt: number, done: Done): Promise<void> | undefined {
    if (this.abandoning) {
      done(prepared.raw[0]);
      return undefined;
    }
    const settled: Settled = { entry: prepared.raw, source, attempt };
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = this.deps.pipeline.run(prepared, source, attempt);
    } catch (err) {
      this.failedThenDone(err, done, prepared.raw[0]);
      return undefined;
    }
    if (!(outcome instanceof Promise)) return this.settleThenDone(settled, outcome, done);
    return outcome.then(
      (o) => this.settleThenDone(settled, o, done),
      (err: unknown) => this.failedThenDone(err, done, prepared.raw[0]),
    );
  }

  /** {@link settle}, then `done` (once the Redis write it started, if any, is over). */
  private settleThenDone(s: Settled, outcome: Outcome, done: Done): Promise<void> | undefined {
    const id = s.entry[0];
    let work: Promise<void> | undefined;
    try {
      work = this.settle(s, outcome);
    } catch (err) {
      this.failedThenDone(err, done, id);
      return undefined;
    }
    if (work === undefined) {
      done(id);
      return undefined;
    }
    return work.then(
      () => done(id),
      (err: unknown) => this.failedThenDone(err, done, id),
    );
  }

  /** An error of the consumer's own (not a handler's): reported, and the entry is finished. */
  private failedThenDone(err: unknown, done: Done, id: string): void {
    done(id);
    this.deps.report.error(err, { phase: 'consume', channel: this.deps.channel });
  }

  /** Settles an entry after its handling; returns the promise of a Redis write when there is one. */
  private settle(s: Settled, outcome: Outcome): Promise<void> | undefined {
    const { strategy, counters } = this.deps;
    const id = s.entry[0];
    if (this.takenBy[s.source].has(id)) return undefined; // another consumer took it over: theirs now
    if (outcome.kind === 'handled') {
      counters.add('handled');
      if (!this.closed) strategy.handled(s);
      else this.lateAfterClose(s, 'acknowledgement');
      return undefined;
    }
    if (outcome.kind === 'not-ours') {
      counters.add('deduplicated');
      if (!this.closed) strategy.skipped(s.source, [id]);
      return undefined;
    }
    if (this.closed) {
      this.lateAfterClose(s, outcome.kind === 'failed' ? 'failure' : 'dead letter');
      return undefined;
    }
    if (outcome.kind === 'undecodable') return this.track(strategy.undecodable(s, outcome.error));
    counters.add('failed');
    this.retryingBy[s.source].add(id);
    const decision = strategy.decide(s.attempt, outcome.errors);
    const { channel, group } = this.deps;
    this.deps.report.handlerFailed({
      channel,
      group,
      id,
      name: outcome.name,
      attempt: s.attempt,
      error: outcome.error,
      decision,
      context: outcome.context,
    });
    return this.track(strategy.failed(s, decision, outcome.error));
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked = work
      .catch((err: unknown) => this.deps.report.error(err, { phase: 'consume', channel: this.deps.channel }))
      .finally(() => this.writing.delete(tracked));
    this.writing.add(tracked);
    return tracked;
  }

  private finish(source: SourceKind, id: string): void {
    this.inFlightBy[source].delete(id);
    this.forgetSettled(source, id);
  }

  /** A finished entry leaves the sets that only entries in flight are in (cheap while they are empty). */
  private forgetSettled(source: SourceKind, id: string): void {
    const taken = this.takenBy[source];
    if (taken.size > 0) taken.delete(id);
    const retrying = this.retryingBy[source];
    if (retrying.size > 0) retrying.delete(id);
  }

  private lateAfterClose(s: Settled, what: string): void {
    const fate = this.deps.strategy.leavesQueuedOnShutdown
      ? 'it stays pending and will be delivered again'
      : 'it is dropped';
    this.deps.report.warn(
      { channel: this.deps.channel, id: s.entry[0] },
      `a handler finished after shutdown; its ${what} was not written and ${fate}`,
    );
  }
}

/**
 * The test bus: real {@link RedisStreamer}s over one in-memory Redis, on a clock the test controls.
 * Only the transport is replaced: codec, validation, middleware, hooks, delivery strategies and
 * dead letters are the library's own, and the conformance suite runs on the same transport.
 */
import { setTimeout as realDelay } from 'node:timers/promises';
import {
  ClosedError,
  ConfigError,
  DeadLetterQueue,
  isChannelContract,
  RedisCommandError,
  RedisStreamer,
  silentLogger,
  type ChannelRef,
  type Clock,
  type RedisStreamerOptions,
  type Transport,
} from '../index.js';
import { resolveBusOptions, type ResolvedBusOptions, type TestBusOptions } from './bus-options.js';
import { NotSettledError } from './errors.js';
import { ManualClock, systemClock } from './memory/clock.js';
import { call } from './memory/commands/index.js';
import { MemoryPort } from './memory/memory-port.js';
import { ReplyError } from './memory/reply.js';
import { MemoryStore } from './memory/store/store.js';
import { publishedIn, type Published } from './published.js';
import {
  Recorder,
  type DeadLettered,
  type Failure,
  type Handling,
  type LoggedWarning,
  type ReportedError,
} from './records.js';
import { drain, mockedImmediate, openGroups } from './settle.js';
import { MEMORY_ENDPOINT, memoryTransport } from './transport.js';

/** Which records to return: of one service, one channel, one event name (each optional). */
export interface RecordFilter {
  /** The service name, as given to {@link TestBus.streamer}. */
  readonly service?: string;
  /** The channel, or its contract. */
  readonly channel?: ChannelRef;
  /** The event name. */
  readonly name?: string;
}

const channelName = (ref: ChannelRef): string => (isChannelContract(ref) ? ref.name : ref);

/** An in-memory bus for tests: see {@link createTestBus}. */
export class TestBus implements AsyncDisposable {
  /**
   * The clock the bus runs on: the streamers' timers and the in-memory Redis' time (message ids,
   * idle times, retry due times). `clock.now()` is the bus's current time.
   */
  readonly clock: Clock;
  /** The transport the bus's streamers use: pass it to `new RedisStreamer(bus.transport, ...)` to add your own. */
  readonly transport: Transport;
  private readonly store: MemoryStore;
  private readonly manual: ManualClock | undefined;
  private readonly options: ResolvedBusOptions;
  private readonly recorder = new Recorder();
  private readonly streamers: RedisStreamer[] = [];
  private port: MemoryPort | undefined;
  private closed = false;

  /** Prefer {@link createTestBus}. */
  constructor(options?: TestBusOptions) {
    this.options = resolveBusOptions(options);
    this.manual = this.options.time === 'manual' ? new ManualClock(this.options.startAt ?? Date.now()) : undefined;
    const clock = this.manual ?? systemClock;
    this.clock = clock;
    this.store = new MemoryStore({ clock });
    this.transport = memoryTransport(this.store, clock);
  }

  /**
   * A new {@link RedisStreamer} of `service` on the bus: the real class, on the in-memory Redis.
   * Services fan out (each gets every message of a channel it subscribes to); several streamers of
   * one service share its messages. Subscribe, register handlers and call `persistConsume()` as
   * in production; {@link close} cleans every one up.
   * @param options the streamer's options, over the bus's `defaults`; its middleware runs after the
   *   bus's recorder.
   */
  streamer(service: string, options: RedisStreamerOptions = {}): RedisStreamer {
    this.assertOpen('streamer()');
    const merged = { logger: silentLogger, shutdownTimeoutMs: 1000, ...this.options.defaults, ...options };
    const recorder = this.recorder.middleware(service);
    const streamer = new RedisStreamer(this.transport, service, {
      ...merged,
      logger: this.recorder.logger(service, merged.logger ?? silentLogger),
      middleware: [recorder, ...(merged.middleware ?? [])],
    });
    this.recorder.watch(streamer, service);
    this.streamers.push(streamer);
    return streamer;
  }

  /**
   * Moves the clock forward by `ms` (manual time only), running what falls due on the way in time
   * order (retries, backoffs, sweeps, timeouts), each with the event loop drained after it.
   */
  async advance(ms: number): Promise<void> {
    this.assertOpen('advance()');
    const clock = this.manualClock('advance()');
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new ConfigError(`advance(): the time (first argument) must be a number of ms >= 0; got ${String(ms)}`);
    }
    const target = clock.now() + ms;
    await this.drain();
    for (let next = clock.nextAt(); next !== undefined && next <= target; next = clock.nextAt()) {
      clock.set(next);
      await this.drain();
    }
    clock.set(target);
    await this.drain();
  }

  /**
   * Resolves once every message published on the bus was handled by every group of its channel,
   * retried to its end or dead-lettered, and no handler is running. On manual time, when only
   * timers are left (a retry's backoff), it moves the clock to the next one by itself: tests never
   * sleep. Rejects with a {@link NotSettledError} listing what is still open when the clock would
   * pass `settleLimitMs`, or real time `realTimeLimitMs` (a handler that never ends, a group whose
   * service is not consuming).
   */
  async settled(): Promise<void> {
    this.assertOpen('settled()');
    const { settleLimitMs, realTimeLimitMs } = this.options;
    const limitAt = this.clock.now() + settleLimitMs;
    const realEnd = performance.now() + realTimeLimitMs;
    for (;;) {
      await this.drain(realEnd);
      const open = this.open();
      if (open.length === 0) return;
      const next = this.manual?.nextAt();
      if (this.manual === undefined || this.recorder.running > 0) {
        // Real time must pass: the system clock, or a handler awaiting something real.
        if (performance.now() > realEnd) throw this.notSettled(`after ${realTimeLimitMs} ms of real time`, open);
        await realDelay(2);
      } else if (next === undefined || next > limitAt) {
        throw this.notSettled(`with the clock ${settleLimitMs} ms ahead and nothing left to run`, open);
      } else {
        this.manual.set(next);
      }
    }
  }

  /** The messages in a channel's stream (oldest first), decoded as consumers decode them. */
  published(channel: ChannelRef): Published[] {
    return publishedIn(this.store, channelName(channel));
  }

  /** Handlings that succeeded (every handler returned), in the order they ended. */
  handled(filter: RecordFilter = {}): Handling[] {
    return this.recorder.handled.filter(this.matches(filter));
  }

  /** Handlings that failed (a handler or middleware threw), in the order they ended. */
  failed(filter: RecordFilter = {}): Failure[] {
    return this.recorder.failed.filter(this.matches(filter));
  }

  /** Messages the services gave up on (the streamers' 'deadLetter' events), with their reasons. */
  deadLettered(filter: RecordFilter = {}): DeadLettered[] {
    if (filter.name !== undefined) {
      throw new ConfigError('deadLettered(): filter by service or channel (a dead-letter event has no event name)');
    }
    return this.recorder.deadLettered.filter(this.matches(filter));
  }

  /** Errors the streamers recovered from (their 'error' events), which a logger would have shown. */
  errors(): ReportedError[] {
    return [...this.recorder.errors];
  }

  /**
   * Warnings the streamers logged, which production would show in its logs: a handler registered for
   * a channel that is not subscribed, a streamer consuming nothing, options that differ on a second
   * subscribe... Kept whatever logger the streamers have (the default drops them).
   */
  warnings(): LoggedWarning[] {
    return [...this.recorder.warnings];
  }

  /** The dead-letter stream of a channel (list, replay to the failing group, purge), as `streamer.deadLetters()`. */
  deadLetters(channel: ChannelRef): DeadLetterQueue {
    this.assertOpen('deadLetters()');
    return DeadLetterQueue.create(channelName(channel), () => Promise.resolve(this.command()));
  }

  /**
   * Runs one command on the in-memory Redis (`bus.redis('XLEN', 'orders')`), with the reply a Redis
   * client gets; for assertions the helpers above do not cover. Only the commands the library uses
   * are modelled; a refused command throws a RedisCommandError.
   */
  redis(command: string, ...args: Array<string | number>): unknown {
    this.assertOpen('redis()');
    try {
      return call(this.store, command, ...args.map(String));
    } catch (err) {
      if (err instanceof ReplyError) throw new RedisCommandError(MEMORY_ENDPOINT, command, err.message);
      throw err;
    }
  }

  /** Cleans up every streamer of the bus (their consume runs end) and closes the bus. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.streamers.map((s) => s.cleanup()));
    this.port?.destroy();
  }

  /** `await using bus = createTestBus()` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private command(): MemoryPort {
    this.port ??= new MemoryPort(this.store, { label: 'test-bus', endpoint: MEMORY_ENDPOINT });
    return this.port;
  }

  private async drain(realEnd = performance.now() + this.options.realTimeLimitMs): Promise<boolean> {
    const mocked = await mockedImmediate('the test bus');
    if (mocked !== undefined) throw new ConfigError(mocked);
    return drain(() => this.store.operations + this.recorder.version, Math.max(0, realEnd - performance.now()));
  }

  private open(): string[] {
    const open = openGroups(this.store);
    const running = this.recorder.running;
    if (running > 0) open.push(`${running} handling(s) still running`);
    return open;
  }

  private notSettled(when: string, open: readonly string[]): NotSettledError {
    return new NotSettledError(
      `settled(): the bus did not settle ${when}. Still open:\n  ${open.join('\n  ')}\n` +
        'Check that every subscribed service is consuming (persistConsume()) and that no handler waits forever',
      open,
    );
  }

  private matches(filter: RecordFilter): (r: { service: string; channel: string; name?: string }) => boolean {
    const channel = filter.channel === undefined ? undefined : channelName(filter.channel);
    return (r) =>
      (filter.service === undefined || r.service === filter.service) &&
      (channel === undefined || r.channel === channel) &&
      (filter.name === undefined || r.name === filter.name);
  }

  private manualClock(call: string): ManualClock {
    if (this.manual === undefined)
      throw new ConfigError(`${call} moves the manual clock: create the bus with time: 'manual'`);
    return this.manual;
  }

  private assertOpen(call: string): void {
    if (this.closed) throw new ClosedError(`${call}: this test bus was closed`);
  }
}

/**
 * A bus for testing handlers and flows without Redis: `bus.streamer('billing')` gives a real
 * {@link RedisStreamer} over an in-memory Redis with the library's semantics (consumer groups, fan-out
 * and load sharing, at-most-once and at-least-once with retries, backoff and dead letters, replays,
 * typed channels), on a clock the test controls.
 *
 * @example
 * const bus = createTestBus();
 * const billing = bus.streamer('billing', { delivery: 'at-least-once', maxAttempts: 3 });
 * await billing.subscribe('orders');
 * billing.registerHandler('orders', () => { throw new Error('payment service down'); });
 * void billing.persistConsume();
 * await bus.streamer('shop').sendMessage('orders', { name: 'order.paid', body: { id: 1 } });
 * await bus.settled(); // three attempts, backoffs included, in a few ms
 * bus.deadLettered(); // [{ service: 'billing', reason: 'max-attempts', attempts: 3, ... }]
 * await bus.close();
 */
export function createTestBus(options?: TestBusOptions): TestBus {
  return new TestBus(options);
}

/**
 * RedisStreamer: the public facade. It keeps the registrations (subscriptions, handlers, channel
 * retention), owns the connections, and wires the channel consumers, maintenance and dead-letter
 * queues together; the logic lives in those parts.
 */
import { Connections, type ConnectionReport } from './connection/connections.js';
import type { RedisPort } from './connection/port.js';
import { portFactory, type RedisSource } from './connection/source.js';
import { backoffDelay } from './connection/backoff.js';
import { ChannelConsumer, WATCHDOG_GRACE_MS } from './consume/channel-consumer.js';
import type { ChannelEnv, ChannelReporter } from './consume/channel-env.js';
import { ConsumeRun } from './consume/consume-run.js';
import { DeadLetterQueue } from './delivery/dead-letters.js';
import { ClosedError, ConfigError, isConnectionError, toError } from './errors.js';
import {
  TypedEmitter,
  type DeadLetterEvent,
  type ErrorContext,
  type ReconnectEvent,
  type StreamerEvents,
  type TrimmedUnreadEvent,
} from './events.js';
import { HandlerRegistry, type Handler, type HandlerOptions } from './handlers.js';
import { Maintenance } from './maintenance/maintenance.js';
import { Publisher } from './publish/publisher.js';
import type { RetentionResult } from './maintenance/retention.js';
import { encodeMessage, type MessageLike } from './message.js';
import { groupName, instanceName, isSlotSafe, listenerName } from './naming.js';
import {
  checkChannel,
  resolveChannelOptions,
  resolveConsumeOptions,
  resolveHandlerOptions,
  resolveStreamerOptions,
  resolveSubscribeOptions,
  type ChannelOptions,
  type ConsumeOptions,
  type RedisStreamerOptions,
  type ResolvedConsumeOptions,
  type ResolvedStreamerOptions,
  type SubscribeOptions,
} from './options.js';
import {
  addCounters,
  newCounters,
  readGroupStats,
  type ChannelStats,
  type Counters,
  type GroupStats,
  type StreamerStats,
} from './stats.js';
import { sleep } from './timers.js';

interface Subscription {
  readonly channel: string;
  readonly group: string;
  readonly concurrency: number;
  readonly orderingKey: SubscribeOptions['orderingKey'];
}

/**
 * Publishes events to channels (Redis streams) and consumes them through one consumer group per
 * service: every service gets every event (fan-out), the instances of one service share them.
 */
export class RedisStreamer extends TypedEmitter<StreamerEvents> implements AsyncDisposable {
  /** The service name, sanitized as dtpyfw does: the consumer groups are `<channel>:<listenerName>:cg`. */
  readonly listenerName: string;
  /** This instance's consumer name within the groups: `<listener>.<host>.<pid>.<8 hex>`. */
  readonly consumerInstance: string;
  private readonly options: ResolvedStreamerOptions;
  private readonly connections: Connections;
  private readonly registry = new HandlerRegistry();
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly retention = new Map<string, { retentionMs: number; maxLen: number | undefined }>();
  private readonly counters = new Map<string, Counters>();
  private readonly maintenance: Maintenance;
  private readonly publisher = new Publisher(() => this.command());
  private run: ConsumeRun | undefined;
  private closed = false;
  private readonly reporter: ChannelReporter;

  /**
   * @param redis a {@link RedisInstance}, a `redis://` URL, or an ioredis client (used as a
   *   template for the connections this streamer opens and closes itself).
   * @param consumerName the service name; instances with the same name share the work.
   * @param options see {@link RedisStreamerOptions}.
   */
  constructor(redis: RedisSource, consumerName: string, options: RedisStreamerOptions = {}) {
    super();
    this.options = resolveStreamerOptions(options);
    this.listenerName = listenerName(consumerName);
    if (this.listenerName === '') throw new ConfigError('consumerName must be a non-empty string');
    this.consumerInstance = instanceName(this.listenerName);
    this.connections = new Connections(portFactory(redis).open, this.listenerName, {
      logger: this.options.logger,
      reconnect: (report) => this.reportReconnect(report),
    });
    this.reporter = {
      error: (err, context) => this.reportError(err, context),
      deadLetter: (event) => this.reportDeadLetter(event),
    };
    this.maintenance = new Maintenance({
      options: this.options,
      consumer: this.consumerInstance,
      command: () => this.command(),
      subscriptions: () => [...this.subscriptions.values()],
      retention: () => [...this.retention].map(([channel, r]) => ({ channel, ...r })),
      onError: (err, context) => this.reportError(err, context),
      onTrimmedUnread: (event) => this.reportTrimmedUnread(event),
    });
  }

  /**
   * Subscribes this service to a channel: creates its consumer group (with MKSTREAM) at `$` (new
   * messages only) or `0-0`, unless it exists. A second call for the same channel does nothing; a
   * group created meanwhile by another instance (BUSYGROUP) is fine. A channel subscribed while
   * {@link persistConsume} runs is consumed at once.
   */
  async subscribe(channel: string, options: SubscribeOptions = {}): Promise<this> {
    this.assertOpen();
    checkChannel(channel);
    const resolved = resolveSubscribeOptions(options);
    if (this.subscriptions.has(channel)) {
      const sub = this.subscriptions.get(channel);
      if (sub?.concurrency !== resolved.concurrency || sub.orderingKey !== resolved.orderingKey) {
        this.options.logger.warn({ channel }, 'already subscribed: the options of this second subscribe() are ignored');
      }
      return this;
    }
    this.warnIfNotSlotSafe(channel);
    const group = groupName(channel, this.listenerName);
    const port = await this.command();
    // Idempotent (an existing group is fine), so a short connection blip is ridden out.
    for (let attempt = 1; ; attempt++) {
      try {
        await port.xgroupCreate(channel, group, resolved.startFromLatest ? '$' : '0-0');
        break;
      } catch (err) {
        if (!isConnectionError(err) || attempt >= 5) throw err;
        await sleep(backoffDelay(attempt, 100, 1000));
      }
    }
    if (this.subscriptions.has(channel)) return this;
    const sub: Subscription = { channel, group, concurrency: resolved.concurrency, orderingKey: resolved.orderingKey };
    this.subscriptions.set(channel, sub);
    this.run?.add(channel);
    return this;
  }

  /**
   * Adds a handler for a channel. Handlers run in registration order; one that throws does not stop
   * the others. With `{ name }`, the handler only gets messages of that event name. A handler added
   * while consuming takes effect from the next message on.
   */
  registerHandler<Payload = unknown>(channel: string, handler: Handler<Payload>, options: HandlerOptions = {}): this {
    this.assertOpen();
    checkChannel(channel);
    if (typeof handler !== 'function')
      throw new ConfigError('handler must be a function (name, payload, context) => unknown');
    const { name } = resolveHandlerOptions(options);
    this.registry.add(channel, handler as Handler, name);
    return this;
  }

  /**
   * Sets a channel's retention: maintenance trims entries older than `retentionMs` (unless a live
   * group has not read them) and, with `maxLen`, caps its length.
   */
  registerChannel(channel: string, options: ChannelOptions = {}): this {
    this.assertOpen();
    checkChannel(channel);
    this.warnIfNotSlotSafe(channel);
    this.retention.set(channel, resolveChannelOptions(options));
    return this;
  }

  /**
   * Publishes one message: `XADD <channel> * name <name> body <json>` (plus fields added by the
   * onPublish hook). Resolves to the entry id. Calls made in the same tick are sent together.
   */
  async sendMessage(channel: string, message: MessageLike): Promise<string> {
    this.assertOpen();
    checkChannel(channel);
    const id = await this.publisher.publish(channel, this.encode(channel, message));
    this.countersOf(channel).published++;
    return id;
  }

  /**
   * Publishes several messages in order, in one round trip per 1000 messages (each chunk appended
   * atomically by a script). Every message is checked before any is sent. If a chunk fails, a
   * {@link PartialPublishError} says which messages were published.
   */
  async sendMessages(channel: string, messages: readonly MessageLike[]): Promise<string[]> {
    this.assertOpen();
    checkChannel(channel);
    if (!Array.isArray(messages)) throw new ConfigError('messages must be an array');
    const encoded = (messages as readonly MessageLike[]).map((m) => this.encode(channel, m));
    const ids = await this.publisher.publishMany(channel, encoded);
    this.countersOf(channel).published += ids.length;
    return ids;
  }

  /**
   * Consumes every subscribed channel (each on its own connection), runs ledger and retention
   * maintenance, and restarts a channel loop that crashed. Resolves once {@link stopConsuming},
   * {@link cleanup} or the signal ends it. Calling it again while it runs returns the same promise.
   */
  persistConsume(options: ConsumeOptions = {}): Promise<void> {
    let consume: ResolvedConsumeOptions;
    try {
      this.assertOpen();
      consume = resolveConsumeOptions(options);
      if (this.options.staleGroupMs <= consume.blockMs + 2 * WATCHDOG_GRACE_MS) {
        throw new ConfigError(
          `staleGroupMs (${this.options.staleGroupMs}) must exceed blockMs (${consume.blockMs}) + 2 s: live groups would look stale`,
        );
      }
    } catch (err) {
      return Promise.reject(toError(err));
    }
    const running = this.run;
    if (running !== undefined) {
      // A run being stopped is finished first; then this call starts a new one.
      if (running.stopping) return running.done.then(() => this.persistConsume(options));
      if (!sameConsumeOptions(running.options, consume) || running.signal !== options.signal) {
        return Promise.reject(
          new ConfigError('persistConsume() is already running with other options: stop it first (stopConsuming())'),
        );
      }
      return running.done;
    }
    const signal = options.signal;
    if (signal?.aborted === true) return Promise.resolve();
    this.warnAboutSilentChannels();
    const run = new ConsumeRun(consume, signal, {
      connect: () => this.command().then((port) => port.connect()),
      channels: () => [...this.subscriptions.keys()],
      loopFor: (channel) => {
        const sub = this.subscriptions.get(channel) as Subscription;
        return new ChannelConsumer(this.envFor(sub), consume, sub.concurrency, sub.orderingKey);
      },
      maintenance: {
        start: () => this.maintenance.start(consume.ledgerIntervalMs, consume.cleanupIntervalMs),
        stop: () => this.maintenance.stop(),
      },
      report: (err, context) => this.reportError(err, context),
    });
    this.run = run;
    const ended = (): void => {
      if (this.run === run) this.run = undefined;
    };
    run.done.then(ended, ended);
    if (signal !== undefined) {
      const onAbort = (): void => void this.stopConsuming();
      signal.addEventListener('abort', onAbort, { once: true });
      run.done.then(
        () => signal.removeEventListener('abort', onAbort),
        () => signal.removeEventListener('abort', onAbort),
      );
    }
    return run.done;
  }

  /** Warns once about what would fail silently: nothing subscribed, or a channel without handler. */
  private warnAboutSilentChannels(): void {
    const { logger } = this.options;
    if (this.subscriptions.size === 0) {
      logger.warn({ listener: this.listenerName }, 'persistConsume() runs with no subscription: nothing is consumed');
    }
    for (const channel of this.subscriptions.keys()) {
      if (this.registry.get(channel).length === 0) {
        logger.warn(
          { channel },
          `channel "${channel}" has no handler: it is not read until one is registered, and its lag grows`,
        );
      }
    }
  }

  /** Trims the dedup ledgers of the subscribed groups to the dedup window (server clock). */
  async maintainLedgers(): Promise<number> {
    this.assertOpen();
    return this.maintenance.maintainLedgers();
  }

  /** Applies retention to the registered channels and removes idle consumers of subscribed groups. */
  async cleanupChannels(): Promise<RetentionResult[]> {
    this.assertOpen();
    return this.maintenance.cleanupChannels();
  }

  /** The dead-letter stream of a channel: list, replay, purge. */
  deadLetters(channel: string): DeadLetterQueue {
    checkChannel(channel);
    return new DeadLetterQueue(channel, () => this.command());
  }

  /**
   * Stops consuming: no new reads, in-flight handlers finish (up to shutdownTimeoutMs),
   * acknowledgements are flushed, and every connection this streamer opened is closed. Returns
   * within blockMs + 1 s plus the time the running handlers take. The streamer can consume or
   * publish again afterwards (connections re-open on demand).
   */
  async stopConsuming(): Promise<void> {
    const run = this.run;
    if (run !== undefined) {
      await run.stop();
      if (this.run === run) this.run = undefined;
    } else {
      await this.maintenance.stop();
    }
    await this.connections.closeAll();
  }

  /** Stops consuming and closes everything; the streamer cannot be used afterwards. */
  async cleanup(): Promise<void> {
    if (this.closed && this.run === undefined) {
      await this.connections.closeAll();
      return;
    }
    this.closed = true;
    await this.stopConsuming();
    this.registry.wakeAll();
  }

  /** `await using streamer = new RedisStreamer(...)` calls {@link cleanup} at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.cleanup();
  }

  /**
   * The state of this streamer: dtpyfw's fields (in camelCase), counters, and per channel what Redis
   * says of this service's group (lag, pending, oldest pending age, consumers, dead letters, stale
   * groups). Redis parts are null when Redis cannot be reached.
   */
  async getStats(): Promise<StreamerStats> {
    const channels = [...this.subscriptions.keys()];
    const all = new Set([...channels, ...this.retention.keys(), ...this.counters.keys()]);
    const perChannel: Record<string, ChannelStats> = {};
    const total = newCounters();
    for (const channel of all) {
      const counters = this.countersOf(channel);
      addCounters(total, counters);
      const sub = this.subscriptions.get(channel);
      let redis: GroupStats | null = null;
      let redisError: string | undefined;
      if (sub !== undefined && !this.closed) {
        try {
          redis = await readGroupStats(await this.command(), sub.channel, sub.group, this.options.staleGroupMs);
        } catch (err) {
          redisError = toError(err).message;
        }
      }
      perChannel[channel] = { ...counters, redis, ...(redisError === undefined ? {} : { redisError }) };
    }
    return {
      listenerName: this.listenerName,
      consumerInstance: this.consumerInstance,
      subscriptions: channels.length,
      channels,
      dedupWindowMs: this.options.dedupWindowMs,
      lastLedgerCleanup: this.maintenance.lastLedgerCleanup,
      maintenanceRunning: this.maintenance.running,
      delivery: this.options.delivery,
      ledger: this.options.ledger,
      consuming: this.run !== undefined,
      connections: this.connections.statuses(),
      ...total,
      perChannel,
    };
  }

  private envFor(sub: Subscription): ChannelEnv {
    return {
      channel: sub.channel,
      group: sub.group,
      consumer: this.consumerInstance,
      listener: this.listenerName,
      options: this.options,
      registry: this.registry,
      command: () => this.command(),
      connections: this.connections,
      reporter: this.reporter,
      counters: this.countersOf(sub.channel),
    };
  }

  private encode(channel: string, message: MessageLike): string[] {
    const onPublish = this.options.hooks.onPublish;
    if (onPublish === undefined) return encodeMessage(message, this.options.maxMessageBytes);
    const fields: Record<string, string> = {};
    try {
      onPublish({ channel, message, fields });
    } catch (err) {
      this.reportError(err, { phase: 'hook', channel });
    }
    return encodeMessage(message, this.options.maxMessageBytes, fields);
  }

  private command(): Promise<RedisPort> {
    if (this.closed) return Promise.reject(new ClosedError());
    return Promise.resolve(this.connections.command());
  }

  private countersOf(channel: string): Counters {
    let counters = this.counters.get(channel);
    if (counters === undefined) {
      counters = newCounters();
      this.counters.set(channel, counters);
    }
    return counters;
  }

  private warnIfNotSlotSafe(channel: string): void {
    if (isSlotSafe(channel)) return;
    this.options.logger.warn(
      { channel },
      'this channel name contains "}" without a hash tag: its dead-letter and guard keys cannot share its Redis Cluster slot',
    );
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError();
  }

  private reportError(err: unknown, context: ErrorContext): void {
    const error = toError(err);
    if (this.listenerCount('error') === 0) {
      this.options.logger.error({ err: error, ...context }, error.message);
      return;
    }
    this.emitSafely(
      'error',
      (e) => this.options.logger.error({ err: toError(e) }, 'an error listener threw'),
      error,
      context,
    );
  }

  private reportDeadLetter(event: DeadLetterEvent): void {
    this.emitSafely('deadLetter', (e) => this.reportError(e, { phase: 'hook', channel: event.channel }), event);
    const hook = this.options.hooks.onDeadLetter;
    if (hook !== undefined) {
      try {
        hook(event);
      } catch (err) {
        this.reportError(err, { phase: 'hook', channel: event.channel });
      }
    }
  }

  private reportReconnect(report: ConnectionReport): void {
    const event: ReconnectEvent = report;
    this.emitSafely('reconnect', (e) => this.reportError(e, { phase: 'hook' }), event);
  }

  private reportTrimmedUnread(event: TrimmedUnreadEvent): void {
    this.countersOf(event.channel).trimmedUnread += event.staleGroupEntries + event.maxLenEntries;
    this.options.logger.warn({ ...event }, 'retention removed unread entries');
    this.emitSafely('trimmedUnread', (e) => this.reportError(e, { phase: 'hook', channel: event.channel }), event);
  }
}

function sameConsumeOptions(a: ResolvedConsumeOptions, b: ResolvedConsumeOptions): boolean {
  return (Object.keys(a) as Array<keyof ResolvedConsumeOptions>).every((key) => a[key] === b[key]);
}

/**
 * RedisStreamer: the public facade. It keeps the registrations (subscriptions, handlers,
 * middleware, retention) and wires the parts together: connections, publishing, the consume run,
 * maintenance, dead-letter queues and reports. The logic lives in those parts.
 */
import { Connections } from './connection/connections.js';
import { retryTransient } from './connection/retry.js';
import type { RedisPort } from './connection/port.js';
import { portFactory, type RedisSource } from './connection/source.js';
import { createChannelConsumer, type ConsumeEnv, type Subscription } from './consume/channel-wiring.js';
import { checkRunOptions, ConsumeRun } from './consume/consume-run.js';
import { ReadPaths } from './consume/read-paths.js';
import { DeadLetterQueue } from './delivery/dead-letters.js';
import { createGroup } from './delivery/groups.js';
import { ClosedError, ConfigError, toError } from './errors.js';
import { TypedEmitter, type StreamerEvents } from './events.js';
import { HandlerRegistry, type Handler, type HandlerOptions } from './handlers.js';
import { collectStats } from './inspect/streamer-stats.js';
import { EvictionCheck } from './maintenance/eviction-check.js';
import { Maintenance } from './maintenance/maintenance.js';
import type { RetentionResult } from './maintenance/retention.js';
import type { MessageLike } from './message.js';
import type { Middleware } from './middleware.js';
import { groupName, instanceName, serviceName, slotSafeOn } from './naming.js';
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
import type { BatchPublishOptions, KeyedMessage, PublishOptions } from './publish/publish-options.js';
import { Publisher } from './publish/publisher.js';
import { Reports } from './reports.js';
import { ChannelCounters, type StreamerStats } from './stats.js';

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
  private readonly middleware: Middleware[];
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly retention = new Map<string, { retentionMs: number; maxLen: number | undefined }>();
  private readonly counters = new ChannelCounters();
  private readonly maintenance: Maintenance;
  private readonly publisher: Publisher;
  private readonly reports: Reports;
  private run: ConsumeRun | undefined;
  private closed = false;
  private readonly evictionCheck = new EvictionCheck();
  /** Whether Redis is a primary found through Sentinel (checked for fencing at start). */
  private readonly sentinel: boolean;

  /**
   * @param redis a {@link RedisInstance}, a `redis://` URL, or an ioredis or node-redis client (used as a
   *   template for the connections this streamer opens and closes itself).
   * @param service the service name: instances with the same name share the work, each service
   *   gets every event. dtpyfw calls it `consumer_name`.
   * @param options see {@link RedisStreamerOptions}.
   */
  constructor(redis: RedisSource, service: string, options: RedisStreamerOptions = {}) {
    super();
    this.options = resolveStreamerOptions(options);
    const name = serviceName(service);
    this.listenerName = name.sanitized;
    this.consumerInstance = instanceName(this.listenerName);
    this.middleware = [...this.options.middleware];
    this.reports = new Reports(
      this.options.logger,
      this.options.hooks,
      (event, ...args) => this.emitEvent(event, ...args),
      (c) => this.counters.of(c),
    );
    if (name.changed) this.reports.serviceRenamed(service, this.listenerName);
    const source = portFactory(redis);
    this.sentinel = source.sentinel;
    this.connections = new Connections(
      source.open,
      this.listenerName,
      { logger: this.options.logger, reconnect: (report) => this.reports.reconnect(report) },
      source.cluster,
    );
    this.publisher = new Publisher({
      port: (which) => this.command(which),
      options: this.options,
      cluster: this.connections.cluster,
      onHookError: (err, channel) => this.reports.error(err, { phase: 'hook', channel }),
      onAppended: (channel, appended) => this.counters.of(channel).add('published', appended),
    });
    this.maintenance = new Maintenance({
      options: this.options,
      consumer: this.consumerInstance,
      command: () => this.command(),
      subscriptions: () => [...this.subscriptions.values()],
      retention: () => [...this.retention].map(([channel, r]) => ({ channel, ...r })),
      reports: this.reports,
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
    const existing = this.subscriptions.get(channel);
    if (existing !== undefined) {
      if (existing.concurrency !== resolved.concurrency || existing.orderingKey !== resolved.orderingKey) {
        this.options.logger.warn({ channel }, 'already subscribed: the options of this second subscribe() are ignored');
      }
      return this;
    }
    this.checkSlotSafe(channel);
    const group = groupName(channel, this.listenerName);
    const start = resolved.startFromLatest ? '$' : '0-0';
    await retryTransient(async () => createGroup(await this.command(), channel, group, start));
    if (this.subscriptions.has(channel)) return this;
    this.subscriptions.set(channel, {
      channel,
      group,
      concurrency: resolved.concurrency,
      orderingKey: resolved.orderingKey,
    });
    this.run?.add(channel);
    return this;
  }

  /**
   * Stops consuming a channel (in-flight handlers finish). The consumer group stays in Redis, so a
   * later subscribe resumes where it left off; the channel's handlers stay registered.
   */
  async unsubscribe(channel: string): Promise<this> {
    checkChannel(channel);
    if (!this.subscriptions.delete(channel)) return this;
    await this.run?.remove(channel);
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
    if (typeof handler !== 'function') {
      throw new ConfigError('handler must be a function (name, payload, context) => unknown');
    }
    const { name } = resolveHandlerOptions(options);
    this.registry.add(channel, handler as Handler, name);
    return this;
  }

  /**
   * Adds handler middleware (see {@link Middleware}) after those given in the options: it wraps the
   * handling of every message of every channel. Channels start using it with their next consume
   * loop: add middleware before {@link persistConsume}.
   */
  use(middleware: Middleware): this {
    this.assertOpen();
    if (typeof middleware !== 'function') throw new ConfigError('middleware must be a function (message, next) => ...');
    this.middleware.push(middleware);
    return this;
  }

  /**
   * Sets a channel's retention: maintenance trims entries older than `retentionMs` (unless a live
   * group has not read them) and, with `maxLen`, caps its length.
   */
  setRetention(channel: string, options: ChannelOptions = {}): this {
    this.assertOpen();
    checkChannel(channel);
    this.checkSlotSafe(channel);
    this.retention.set(channel, resolveChannelOptions(options));
    return this;
  }

  /** @deprecated dtpyfw's name for {@link setRetention}, which says what it does. */
  registerChannel(channel: string, options: ChannelOptions = {}): this {
    return this.setRetention(channel, options);
  }

  /**
   * Publishes one message: `XADD <channel> * name <name> body <json>` (plus fields added by the
   * onPublish hook). Resolves to the entry id. Calls made in the same tick are sent together. With
   * an `idempotencyKey` it is appended once per key within `publishDedupWindowMs` and retried
   * safely; with `replicas` it resolves once that many replicas have it (see {@link PublishOptions}).
   */
  async sendMessage(channel: string, message: MessageLike, options?: PublishOptions): Promise<string> {
    this.assertOpen();
    checkChannel(channel);
    return this.publisher.publish(channel, message, options);
  }

  /**
   * Publishes several messages in order, in one round trip per 1000 messages (each chunk appended
   * atomically by a script). Every message is checked before any is sent. If a chunk fails, a
   * {@link PartialPublishError} says which messages were appended, which are in doubt and which
   * were not. A message may carry its own `idempotencyKey`; `replicas` applies to every chunk.
   */
  async sendMessages(
    channel: string,
    messages: readonly KeyedMessage[],
    options?: BatchPublishOptions,
  ): Promise<string[]> {
    this.assertOpen();
    checkChannel(channel);
    if (!Array.isArray(messages)) throw new ConfigError('messages must be an array');
    return this.publisher.publishMany(channel, messages, options);
  }

  /**
   * Consumes every subscribed channel (each on its own connection), runs ledger and retention
   * maintenance, and restarts a channel loop that crashed. Rejects at once when Redis cannot be
   * reached or refuses the login; otherwise resolves once {@link stopConsuming}, {@link cleanup}
   * or the signal ends it. Calling it again while it runs returns the same promise (with other
   * options: a ConfigError).
   */
  persistConsume(options: ConsumeOptions = {}): Promise<void> {
    let consume: ResolvedConsumeOptions;
    try {
      this.assertOpen();
      consume = resolveConsumeOptions(options);
      checkRunOptions(consume, this.options.staleGroupMs);
    } catch (err) {
      return Promise.reject(toError(err));
    }
    const running = this.run;
    if (running !== undefined) {
      // A run being stopped is finished first; then this call starts a new one.
      if (running.stopping) return running.done.then(() => this.persistConsume(options));
      if (running.sameAs(consume, options.signal)) return running.done;
      const err = new ConfigError('persistConsume() is already running with other options: stop it first');
      return Promise.reject(err);
    }
    if (options.signal?.aborted === true) return Promise.resolve();
    this.reports.silentChannels(
      this.listenerName,
      [...this.subscriptions.keys()],
      (c) => this.registry.get(c).length > 0,
    );
    const env = this.consumeEnv();
    const paths = new ReadPaths({ ...env, blockMs: consume.blockMs, channelCount: () => this.subscriptions.size });
    const run = new ConsumeRun(consume, options.signal, {
      connect: async () => this.evictionCheck.connect(await this.command(), this.options.logger, this.sentinel),
      channels: () => [...this.subscriptions.keys()],
      loopFor: (channel) => createChannelConsumer(env, this.subscriptions.get(channel) as Subscription, consume, paths),
      afterLoops: () => paths.close(),
      maintenance: {
        start: () => this.maintenance.start(consume.ledgerIntervalMs, consume.cleanupIntervalMs),
        stop: () => this.maintenance.stop(),
      },
      report: (err, context) => this.reports.error(err, context),
      onAbort: () => void this.stopConsuming(),
    });
    this.run = run;
    const ended = (): void => {
      if (this.run === run) this.run = undefined;
    };
    run.done.then(ended, ended);
    return run.done;
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
    this.closed = true;
    this.publisher.close();
    await this.stopConsuming();
    this.registry.wakeAll();
  }

  /** `await using streamer = new RedisStreamer(...)` calls {@link cleanup} at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.cleanup();
  }

  /**
   * The state of this streamer: dtpyfw's fields (in camelCase), counters, every connection's state
   * and last error, and per channel what Redis says of this service's group (lag, pending, oldest
   * pending age, consumers, dead letters, stale groups). Redis parts are null when Redis cannot be
   * reached, with the reason in `redisError`.
   */
  async getStats(): Promise<StreamerStats> {
    const { options, maintenance } = this;
    return collectStats({
      listenerName: this.listenerName,
      consumerInstance: this.consumerInstance,
      dedupWindowMs: options.dedupWindowMs,
      staleGroupMs: options.staleGroupMs,
      delivery: options.delivery,
      dedupGuard: options.dedupGuard,
      lastLedgerCleanup: maintenance.lastLedgerCleanup,
      maintenanceRunning: maintenance.running,
      consuming: this.run !== undefined,
      subscriptions: [...this.subscriptions.values()],
      channels: [...this.retention.keys(), ...this.counters.channels()],
      counters: (channel) => this.counters.of(channel).snapshot(),
      connections: this.connections.statuses(),
      command: this.closed ? undefined : () => this.command(),
    });
  }

  private consumeEnv(): ConsumeEnv {
    return {
      listener: this.listenerName,
      consumer: this.consumerInstance,
      options: this.options,
      registry: this.registry,
      middleware: () => this.middleware,
      connections: this.connections,
      command: () => this.command(),
      counters: (channel) => this.counters.of(channel),
      logger: this.options.logger,
      report: (err, context) => this.reports.error(err, context),
      reporter: {
        error: (err, context) => this.reports.error(err, context),
        deadLetter: (event) => this.reports.deadLetter(event),
        handlerFailed: (report) => this.reports.handlerFailed(report),
      },
    };
  }

  /** A connection (the shared one by default); after cleanup() only a run shutting down may use one. */
  private command(which: 'command' | 'replicaWrites' = 'command'): Promise<RedisPort> {
    if (this.closed && this.run === undefined) return Promise.reject(new ClosedError());
    return Promise.resolve(this.connections[which]());
  }

  /** A channel whose auxiliary keys cannot share its slot: refused on a cluster, a warning elsewhere. */
  private checkSlotSafe(channel: string): void {
    if (!slotSafeOn(channel, this.connections.cluster)) this.reports.slotUnsafe(channel);
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError();
  }

  private emitEvent<E extends keyof StreamerEvents>(event: E, ...args: StreamerEvents[E]): boolean {
    return this.emitSafely(
      event,
      (err) => this.options.logger.error({ err: toError(err), event }, `a "${event}" listener threw`),
      ...args,
    );
  }
}

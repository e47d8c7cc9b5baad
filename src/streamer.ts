/**
 * RedisStreamer: the public facade. It keeps the registrations (subscriptions, handlers, middleware,
 * retention) and wires the parts (connections, publishing, the consume run, maintenance, dead-letter
 * queues, reports) together. The logic lives in those parts. */
import { ContractBook } from './contract/book.js';
import type { AnyChannelContract, AnyEventPayload, ChannelRef, ContractHandler } from './contract/channel.js';
import type { ContractMessage, EventName, EventPayload } from './contract/channel.js';
import { checkOutgoing, checkOutgoingBatch } from './contract/outgoing.js';
import type { RedisPort } from './connection/port.js';
import { showOnly } from './connection/safe-inspect.js';
import type { RedisSource } from './connection/redis-source.js';
import type { Transport } from './connection/transport.js';
import type { ConsumeEnv } from './consume/channel-wiring.js';
import { checkRunOptions, type ConsumeRun } from './consume/consume-run.js';
import { startRun } from './consume/start-run.js';
import { checkFunction, checkMessage, checkMessages, emitterCheck } from './arguments.js';
import { DeadLetterQueue } from './delivery/dead-letters.js';
import { ClosedError, ConfigError, toError } from './errors.js';
import { STREAMER_EVENTS, TypedEmitter, type StreamerEvents } from './events.js';
import { HandlerRegistry, type Handler, type HandlerOptions } from './handlers.js';
import { collectStats } from './inspect/streamer-stats.js';
import { EvictionCheck } from './maintenance/eviction-check.js';
import type { ChannelCleanup } from './maintenance/maintenance.js';
import type { MessageLike } from './message.js';
import type { StreamerHooks } from './hooks.js';
import type { Middleware } from './middleware.js';
import { instanceName, checkServiceName } from './naming.js';
import type {
  ChannelOptions,
  ConsumeOptions,
  RedisStreamerOptions,
  ResolvedConsumeOptions,
  ResolvedStreamerOptions,
  SubscribeOptions,
} from './options.js';
import {
  resolveChannelOptions,
  resolveConsumeOptions,
  resolveHandlerOptions,
  resolveStreamerOptions,
} from './resolve-options.js';
import type { BatchPublishOptions, KeyedMessage, PublishOptions } from './publish/publish-options.js';
import type { StreamerStats } from './stats.js';
import { streamerParts, type StreamerParts } from './streamer-parts.js';

/**
 * Publishes events to channels (Redis streams) and consumes them through one consumer group per
 * service: every service gets every event (fan-out), the instances of one service share them.
 */
export class RedisStreamer extends TypedEmitter<StreamerEvents> implements AsyncDisposable {
  /** The service name, sanitized as dtpyfw does: the consumer groups are `<channel>:<serviceName>:cg`. */
  readonly service: string;
  /** This instance's consumer name within the groups: `<listener>.<host>.<pid>.<8 hex>`. */
  readonly consumer: string;
  private readonly options: ResolvedStreamerOptions;
  private readonly registry = new HandlerRegistry();
  private readonly contracts = new ContractBook();
  private readonly retention = new Map<string, { retentionMs: number; maxLen: number | undefined }>();
  private readonly parts: StreamerParts;
  private run: ConsumeRun | undefined;
  private closed = false;
  private readonly evictionCheck = new EvictionCheck();

  /**
   * @param redis a {@link RedisInstance}, a `redis://` URL, an ioredis or node-redis client (used as a
   *   template for the connections this streamer opens and closes itself), or a {@link Transport}
   *   (another client, or the test kit's in-memory Redis).
   * @param service the service name: instances with the same name share the work, each service
   *   gets every event. dtpyfw calls it `consumer_name`.
   * @param options see {@link RedisStreamerOptions}.
   */
  constructor(redis: RedisSource | Transport, service: string, options: RedisStreamerOptions = {}) {
    super(emitterCheck(STREAMER_EVENTS));
    this.options = resolveStreamerOptions(options);
    const name = checkServiceName(service);
    this.service = name.sanitized;
    this.consumer = instanceName(this.service);
    this.parts = streamerParts(redis, {
      service: this.service,
      consumer: this.consumer,
      options: this.options,
      command: (which) => this.command(which),
      emitSafely: (event, onListenerError, ...args) => this.emitSafely(event, onListenerError, ...args),
      run: () => this.run,
      retention: () => [...this.retention].map(([channel, r]) => ({ channel, ...r })),
    });
    if (name.changed) this.parts.reports.serviceRenamed(service, this.service);
    showOnly(this, 'RedisStreamer', () => ({ service: name.sanitized, redis: this.parts.describe }));
  }

  /**
   * Subscribes this service to a channel: creates its consumer group (with MKSTREAM) at `$` (new
   * messages only) or `0-0`, unless it exists. A second call for the same channel does nothing; a
   * group created meanwhile by another instance (BUSYGROUP) is fine. A channel subscribed while
   * {@link persistConsume} runs is consumed at once.
   */
  async subscribe<C extends AnyChannelContract>(
    channel: C,
    options?: SubscribeOptions<AnyEventPayload<C>, EventName<C>>,
  ): Promise<this>;
  async subscribe(channel: string, options?: SubscribeOptions): Promise<this>;
  async subscribe(ref: ChannelRef, options: SubscribeOptions = {}): Promise<this> {
    this.assertOpen();
    await this.parts.subscriptions.add(this.contracts.nameOf(ref, 'subscribe()'), options);
    return this;
  }

  /**
   * Stops consuming a channel (in-flight handlers finish). The consumer group stays in Redis, so a
   * later subscribe resumes where it left off; the channel's handlers stay registered.
   */
  async unsubscribe(ref: ChannelRef): Promise<this> {
    const channel = this.contracts.nameOf(ref, 'unsubscribe()');
    if (!this.parts.subscriptions.delete(channel)) return this;
    await this.run?.remove(channel);
    return this;
  }

  /**
   * Adds a handler for a channel. Handlers run in registration order; one that throws does not stop
   * the others. With `{ name }`, the handler only gets messages of that event name. A handler added
   * while consuming takes effect from the next message on. A handler of a channel this streamer does
   * not subscribe to never runs: a warning says so, once per channel, when consuming starts (or
   * when it is added while consuming). On a channel with a contract, payloads are typed by event
   * name (and validated before the handlers run).
   */
  registerHandler<C extends AnyChannelContract, N extends EventName<C>>(
    channel: C,
    handler: Handler<EventPayload<C, N>, N>,
    options: HandlerOptions<N> & { readonly name: N },
  ): this;
  registerHandler<C extends AnyChannelContract>(
    channel: C,
    handler: ContractHandler<C>,
    options?: HandlerOptions<EventName<C>>,
  ): this;
  registerHandler<C extends AnyChannelContract>(
    channel: C,
    handler: Handler<AnyEventPayload<C>, EventName<C>>,
    options?: HandlerOptions<EventName<C>>,
  ): this;
  registerHandler<Payload = unknown>(channel: string, handler: Handler<Payload>, options?: HandlerOptions): this;
  registerHandler(ref: ChannelRef, handler: Handler, options: HandlerOptions = {}): this {
    this.assertOpen();
    const channel = this.contracts.nameOf(ref, 'registerHandler()');
    checkFunction('registerHandler()', 'the handler (second argument)', handler, '(name, payload, context) => ...');
    const { name } = resolveHandlerOptions(options);
    this.registry.add(channel, handler, name);
    // After the caller's synchronous code, which may be about to subscribe.
    const subscribed = (c: string): boolean => this.parts.subscriptions.has(c);
    if (this.run !== undefined) queueMicrotask(() => this.parts.reports.unsubscribed([channel], subscribed));
    return this;
  }

  /**
   * Adds handler middleware (a function, see {@link Middleware}: it wraps the handling of every
   * message of every channel) or a set of hooks (an object, see {@link StreamerHooks}), after those
   * given in the options. Channels start using middleware and handling hooks with their next
   * consume loop (add them before {@link persistConsume}); publishing, dead-letter and log hooks
   * apply at once.
   */
  use(extension: Middleware | StreamerHooks): this {
    this.assertOpen();
    this.parts.extensions.use('use()', extension);
    return this;
  }

  /**
   * Sets a channel's retention: maintenance trims entries older than `retentionMs` (unless a live
   * group has not read them) and, with `maxLen`, caps its length.
   */
  setRetention(channel: ChannelRef, options: ChannelOptions = {}): this {
    return this.retain(channel, options, 'setRetention()');
  }

  /** dtpyfw's name of {@link setRetention} (kept, as {@link cleanup} is, for code ported from dtpyfw). */
  registerChannel(channel: ChannelRef, options: ChannelOptions = {}): this {
    return this.retain(channel, options, 'registerChannel()');
  }

  /**
   * Publishes one message: `XADD <channel> * name <name> body <json>` (plus fields added by the
   * onPublish hook). Resolves to the entry id. Calls made in the same tick are sent together. With
   * an `idempotencyKey` it is appended once per key within `publishDedupWindowMs` and retried
   * safely; with `replicas` it resolves once that many replicas have it (see {@link PublishOptions}).
   * On a channel with a contract, the event name and body are typed and validated first: an
   * invalid message is an InvalidMessageError listing the issues, and nothing is sent.
   */
  async sendMessage<C extends AnyChannelContract>(
    channel: C,
    message: ContractMessage<C>,
    options?: PublishOptions,
  ): Promise<string>;
  async sendMessage(channel: string, message: MessageLike, options?: PublishOptions): Promise<string>;
  async sendMessage(ref: ChannelRef, message: MessageLike, options?: PublishOptions): Promise<string> {
    this.assertOpen();
    const channel = this.contracts.nameOf(ref, 'sendMessage()');
    checkMessage('sendMessage()', 'the message (second argument)', message);
    const contract = this.contracts.get(channel);
    if (contract === undefined) return this.parts.publisher.publish(channel, message, options);
    const checked = checkOutgoing(contract, message);
    return this.parts.publisher.publish(channel, checked instanceof Promise ? await checked : checked, options);
  }

  /**
   * Publishes several messages in order, in one round trip per 1000 messages (each chunk appended
   * atomically by a script). Every message is checked before any is sent. If a chunk fails, a
   * {@link PartialPublishError} says which messages were appended, which are in doubt and which
   * were not. A message may carry its own `idempotencyKey`; `replicas` applies to every chunk. On
   * a channel with a contract every message is validated first, and none is sent unless all pass.
   */
  async sendMessages<C extends AnyChannelContract>(
    channel: C,
    messages: ReadonlyArray<ContractMessage<C>>,
    options?: BatchPublishOptions,
  ): Promise<string[]>;
  async sendMessages(
    channel: string,
    messages: readonly KeyedMessage[],
    options?: BatchPublishOptions,
  ): Promise<string[]>;
  async sendMessages(
    ref: ChannelRef,
    messages: readonly KeyedMessage[],
    options?: BatchPublishOptions,
  ): Promise<string[]> {
    this.assertOpen();
    const channel = this.contracts.nameOf(ref, 'sendMessages()');
    checkMessages('sendMessages()', messages);
    const contract = this.contracts.get(channel);
    const checked = contract === undefined ? messages : await checkOutgoingBatch(contract, messages);
    return this.parts.publisher.publishMany(channel, checked, options);
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
      return Promise.reject(new ConfigError('persistConsume() is already running with other options: stop it first'));
    }
    if (options.signal?.aborted === true) return Promise.resolve();
    this.parts.reports.silentChannels(
      this.service,
      this.parts.subscriptions.channels(),
      (c) => this.registry.get(c).length > 0,
      this.parts.subscriptions.pending(),
    );
    this.parts.reports.unsubscribed(this.registry.channels(), (c) => this.parts.subscriptions.has(c));
    const run = startRun(consume, options.signal, {
      env: this.consumeEnv(),
      subscriptions: this.parts.subscriptions,
      connect: async () => this.evictionCheck.connect(await this.command(), this.options.logger, this.parts.sentinel),
      maintenance: this.parts.maintenance,
      report: (err, context) => this.parts.reports.error(err, context),
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
    return this.parts.maintenance.maintainLedgers();
  }

  /** Applies retention to the registered channels; removes destroyed groups' failure records and idle consumers. */
  async cleanupChannels(): Promise<ChannelCleanup[]> {
    this.assertOpen();
    return this.parts.maintenance.cleanupChannels();
  }

  /** The dead-letter stream of a channel: list, replay, purge. */
  deadLetters(ref: ChannelRef): DeadLetterQueue {
    const channel = this.contracts.nameOf(ref, 'deadLetters()');
    return DeadLetterQueue.create(channel, () => this.command());
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
      await this.parts.maintenance.stop();
    }
    await this.parts.connections.closeAll();
  }

  /** Stops consuming and closes everything; the streamer cannot be used afterwards (dtpyfw's name of {@link close}). */
  async cleanup(): Promise<void> {
    this.closed = true;
    this.parts.publisher.close();
    await this.stopConsuming();
    this.registry.wakeAll();
  }

  /** Stops consuming and closes everything, as {@link cleanup}; also what `await using` calls. */
  close(): Promise<void> {
    return this.cleanup();
  }

  /** `await using streamer = new RedisStreamer(...)` closes the streamer at the end of the scope. */
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
    return collectStats({
      service: this.service,
      consumer: this.consumer,
      options: this.options,
      maintenance: this.parts.maintenance,
      consuming: this.run !== undefined,
      subscriptions: this.parts.subscriptions.list(),
      channels: [...this.retention.keys(), ...this.parts.counters.channels()],
      counters: (channel) => this.parts.counters.of(channel).snapshot(),
      connections: this.parts.connections.statuses(),
      command: this.closed ? undefined : () => this.command(),
    });
  }

  private consumeEnv(): ConsumeEnv {
    return {
      service: this.service,
      consumer: this.consumer,
      options: this.options,
      registry: this.registry,
      contract: (channel) => this.contracts.slot(channel),
      middleware: () => this.parts.extensions.handling(),
      connections: this.parts.connections,
      command: () => this.command(),
      counters: (channel) => this.parts.counters.of(channel),
      logger: this.options.logger,
      clock: this.parts.clock,
      report: (err, context) => this.parts.reports.error(err, context),
      reporter: {
        error: (err, context) => this.parts.reports.error(err, context),
        deadLetter: (event) => this.parts.reports.deadLetter(event),
        handlerFailed: (report) => this.parts.reports.handlerFailed(report),
      },
    };
  }

  /** A connection (the shared one by default), once ready; after cleanup() only a run shutting down may use one. */
  private command(which: 'command' | 'replicaWrites' = 'command'): Promise<RedisPort> {
    if (this.closed && this.run === undefined) return Promise.reject(new ClosedError());
    return this.parts.connections.ready(which);
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError();
  }
  /** {@link setRetention}, its errors naming the method called. */
  private retain(ref: ChannelRef, options: ChannelOptions, call: 'setRetention()' | 'registerChannel()'): this {
    this.assertOpen();
    const channel = this.contracts.nameOf(ref, call);
    const resolved = resolveChannelOptions(options, call);
    this.parts.checkSlotSafe(channel);
    this.retention.set(channel, resolved);
    return this;
  }
}

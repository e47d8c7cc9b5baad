/**
 * The server side: a Nest custom transport strategy that consumes channels through a
 * `RedisStreamer` and hands each entry to the `@EventPattern` handler its event name (and channel)
 * selects, with the payload and a {@link RedisStreamerContext}. The handler's outcome, after Nest's
 * interceptors, pipes and exception filters, is the entry's outcome: a failure is retried or
 * dead-lettered by the delivery guarantee, as with a plain `registerHandler` handler.
 */
import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { ConfigError, UnrecoverableError, type MessageContext, type RedisStreamer } from '../index.js';
import { RedisStreamerContext } from './context.js';
import { deliveryFailure, isNestDefaultAnswer } from './failure.js';
import { healthOf, type RedisStreamerHealth } from './health.js';
import { transportSetup, type RedisStreamerTransportOptions, type TransportSetup } from './options.js';
import { REDIS_STREAMER_TRANSPORT } from './patterns.js';
import { reviewPatterns, Routes } from './routes.js';
import { StatusTracker, type RedisStreamerEvents, type RedisStreamerStatus } from './status.js';

type NestHandler = MessageHandler<unknown, RedisStreamerContext, unknown>;

/**
 * A Nest microservice transport over Redis Streams:
 *
 * ```ts
 * const app = await NestFactory.createMicroservice(AppModule, {
 *   strategy: new RedisStreamerTransport({ redis: 'redis://localhost:6379', service: 'billing', channels: ['orders'], delivery: 'at-least-once' }),
 * });
 * app.useGlobalFilters(new RedisStreamerExceptionFilter());
 * await app.listen();
 * ```
 *
 * `listen()` subscribes the service to its channels (one consumer group per service and channel)
 * and starts consuming; `close()` (Nest's `app.close()`) stops reading, lets the running handlers
 * finish, flushes acknowledgements and closes every connection.
 */
export class RedisStreamerTransport
  extends Server<RedisStreamerEvents, RedisStreamerStatus>
  implements CustomTransportStrategy
{
  /** {@link REDIS_STREAMER_TRANSPORT}: `@OnStreamEvent` handlers run on this transport only. */
  override transportId: symbol = REDIS_STREAMER_TRANSPORT;
  /** A failed event handler is the library's to retry or dead-letter (and report). */
  override readonly propagatesEventHandlerErrors = true;
  /** Nest's logger, in the `RedisStreamerTransport` context: warnings on patterns, consume errors. */
  protected override readonly logger = new Logger('RedisStreamerTransport');
  private readonly setup: TransportSetup;
  private readonly streamer: RedisStreamer;
  private readonly tracker: StatusTracker;
  private readonly routes: Routes<NestHandler>;
  private readonly dispatch: (event: string, payload: unknown, message: MessageContext) => Promise<void> | undefined;
  private run: Promise<void> | undefined;
  private started = false;
  private hooked = false;
  private toldOfDefaultFilter = false;

  /** Throws a ConfigError for invalid options (naming the option). Opens no connection. */
  constructor(options: RedisStreamerTransportOptions) {
    super();
    this.setup = transportSetup(options);
    this.streamer = this.setup.streamer;
    this.tracker = new StatusTracker(this._status$);
    this.tracker.follow(this.streamer);
    this.routes = new Routes(
      (route) => this.messageHandlers.get(route) as NestHandler | undefined,
      (pattern) => this.normalizePattern(pattern as Record<string, string>),
    );
    const dispatch = (event: string, payload: unknown, message: MessageContext): Promise<void> | undefined => {
      const handler = this.routes.find(message.channel, event);
      if (handler === undefined) return this.unhandled(event, message);
      const context = new RedisStreamerContext([event, message]);
      return this.hooked ? this.invokeWithHooks(handler, payload, context) : this.invoke(handler, payload, context);
    };
    // The label the library gives a failure of this handler in logs and dead letters.
    Object.defineProperty(dispatch, 'name', { value: '@EventPattern' });
    this.dispatch = dispatch;
  }

  /** Subscribes the service to its channels and starts consuming; called by Nest. */
  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    this.start().then(
      () => callback(),
      (err: unknown) => callback(err),
    );
  }

  /** Stops reading, lets running handlers finish, closes every connection; called by `app.close()`. */
  async close(): Promise<void> {
    await this.streamer.cleanup();
    await this.run?.catch(() => undefined);
    this.tracker.closed();
  }

  /**
   * Listens to a status event (`connected`, `reconnecting`, `disconnected`) or to one of the
   * streamer's ('error', 'deadLetter', 'reconnect', 'ready', 'trimmedUnread'). A listener of
   * 'error' takes the errors the library would otherwise log.
   * @typeParam EventKey the event's name.
   * @typeParam EventCallback the listener, typed by the event.
   */
  on<
    EventKey extends keyof RedisStreamerEvents = keyof RedisStreamerEvents,
    EventCallback extends RedisStreamerEvents[EventKey] = RedisStreamerEvents[EventKey],
  >(event: EventKey, callback: EventCallback): this {
    this.tracker.on(event, callback, 'RedisStreamerTransport.on()');
    return this;
  }

  /** The underlying `RedisStreamer`: stats, dead letters, publishing from the service itself. */
  unwrap<T = RedisStreamer>(): T {
    return this.streamer as T;
  }

  /** For a health check: healthy when consuming with every connection ready (see {@link RedisStreamerHealth}). */
  health(): Promise<RedisStreamerHealth> {
    return healthOf(this.streamer, this.tracker.status, true);
  }

  /** Nest's hook around each handled message (as Nest's `Server`); the transport then runs handlers inside it. */
  override setOnProcessingStartHook(hook: Parameters<Server['setOnProcessingStartHook']>[0]): void {
    super.setOnProcessingStartHook(hook);
    this.hooked = true;
  }

  /** Nest's hook after each handled message (as Nest's `Server`). */
  override setOnProcessingEndHook(hook: Parameters<Server['setOnProcessingEndHook']>[0]): void {
    super.setOnProcessingEndHook(hook);
    this.hooked = true;
  }

  private async start(): Promise<void> {
    if (this.started)
      throw new ConfigError('RedisStreamerTransport: listen() was called twice; one transport serves one microservice');
    this.started = true;
    const { subscriptions, unhandledEvents } = this.setup;
    this.routes.clear();
    const patterns = [...this.messageHandlers].map(([route, h]) => ({ route, event: h.isEventHandler === true }));
    const names = subscriptions.map((s) => (typeof s.channel === 'string' ? s.channel : s.channel.name));
    const fate = unhandledEvents === 'ignore' ? 'settled without a handler' : 'dead-lettered';
    const contracts = new Map<string, readonly string[]>();
    for (const { channel } of subscriptions) {
      if (typeof channel !== 'string') contracts.set(channel.name, Object.keys(channel.events));
    }
    reviewPatterns(patterns, names, fate, (message) => this.logger.warn(message), contracts);
    try {
      for (const { channel, options } of subscriptions) {
        if (typeof channel === 'string') await this.streamer.subscribe(channel, options);
        else await this.streamer.subscribe(channel, options);
        if (typeof channel === 'string') this.streamer.registerHandler(channel, this.dispatch);
        else this.streamer.registerHandler(channel, this.dispatch);
      }
    } catch (err) {
      await this.failedStart();
      throw err;
    }
    const run = this.streamer.persistConsume(this.setup.consume);
    this.run = run;
    // Options persistConsume() refuses (the `consume` option) reject at once: listen() fails with
    // them; a later end of the run is logged.
    let starting = true;
    let refused: { readonly err: unknown } | undefined;
    run.catch((err: unknown) => {
      if (starting) refused = { err };
      else this.logger.error(`consuming stopped: ${err instanceof Error ? err.message : String(err)}`);
    });
    await new Promise((resolve) => setImmediate(resolve));
    starting = false;
    if (refused !== undefined) {
      await this.failedStart();
      throw refused.err;
    }
    this.tracker.connected();
  }

  /** After a failed start: no connection left retrying behind it, and listen() may be tried again. */
  private async failedStart(): Promise<void> {
    this.started = false;
    await this.streamer.stopConsuming().catch(() => undefined);
  }

  /**
   * Runs the Nest handler; its failure (after Nest's filters) rejects for the library. Written
   * with `then` rather than `await`: one promise per event less on the hot path.
   */
  private invoke(handler: NestHandler, payload: unknown, context: RedisStreamerContext): Promise<void> {
    let pending: Promise<unknown>;
    try {
      pending = handler(payload, context);
    } catch (err) {
      return Promise.reject(this.failure(err));
    }
    return pending.then(this.settle, this.fail);
  }

  /** What the handler's promise gave: a stream (interceptors, filters) is awaited to its end. */
  private readonly settle = (result: unknown): Promise<void> | undefined => {
    if (!isObservable(result)) return undefined;
    return lastValueFrom(result, { defaultValue: undefined }).then(() => undefined, this.fail);
  };

  private readonly fail = (err: unknown): never => {
    throw this.failure(err);
  };

  /** {@link invoke} between Nest's processing hooks (set by instrumentation). */
  private invokeWithHooks(handler: NestHandler, payload: unknown, context: RedisStreamerContext): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.onProcessingStartHook(this.transportId, context, () => {
        const done = this.invoke(handler, payload, context).finally(() =>
          this.onProcessingEndHook?.(this.transportId, context),
        );
        done.then(resolve, reject);
        return done.catch(() => undefined); // the outcome goes to the library through the promise above
      });
    });
  }

  private unhandled(event: string, message: MessageContext): undefined {
    if (this.setup.unhandledEvents === 'ignore') return undefined;
    throw new UnrecoverableError(
      `no @EventPattern handler takes event "${event}" of channel "${message.channel}" in service "${message.service}" (unhandledEvents: 'dead-letter')`,
    );
  }

  private failure(value: unknown): Error {
    if (!this.toldOfDefaultFilter && isNestDefaultAnswer(value)) {
      this.toldOfDefaultFilter = true;
      this.logger.warn(
        "a handler's error reached the transport as Nest's default answer { status: 'error', message: 'Internal server error' } (Nest logged the error itself): register RedisStreamerExceptionFilter on the microservice (app.useGlobalFilters(new RedisStreamerExceptionFilter())) so that dead letters carry the handler's own error, and an UnrecoverableError or a validation failure is dead-lettered at once instead of retried",
      );
    }
    return deliveryFailure(value);
  }
}

/**
 * The client side: a Nest `ClientProxy` whose `emit(pattern, data)` publishes an event to a channel
 * through a `RedisStreamer`. Request/response (`send`) is not part of an event bus, and says so.
 */
import { Logger } from '@nestjs/common';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { AsyncSubject, defer, throwError, type Observable } from 'rxjs';
import {
  ConfigError,
  type AnyChannelContract,
  type ChannelRef,
  type ContractMessage,
  type EventInput,
  type EventName,
  type PublishOptions,
  type RedisStreamer,
} from '../index.js';
import { healthOf, type RedisStreamerHealth } from './health.js';
import { clientSetup, type RedisStreamerClientOptions } from './options.js';
import { emitTarget, type ContractEventPattern, type UntypedPattern } from './patterns.js';
import { RedisStreamerRecord } from './record.js';
import { StatusTracker, type RedisStreamerEvents, type RedisStreamerStatus } from './status.js';

const NO_REQUEST_RESPONSE =
  'send() is request/response, which an event bus does not do: use emit() to publish an event (its Observable completes once the event is appended); to get an answer, let the other service emit a reply event that this one handles';

/**
 * Publishes events from a Nest application:
 *
 * ```ts
 * const client = new RedisStreamerClient({ redis: 'redis://localhost:6379', channel: 'orders' });
 * await lastValueFrom(client.emit('order.created', { orderId: 'A1' })); // the entry id
 * ```
 *
 * Usually registered with `RedisStreamerModule.forRoot(...)` and injected by its token. Connections
 * open on the first emit; `close()` (run at application shutdown) waits for the emits in flight
 * and closes them; a later emit opens new ones.
 */
export class RedisStreamerClient extends ClientProxy<RedisStreamerEvents, RedisStreamerStatus> {
  private readonly logger = new Logger('RedisStreamerClient');
  private readonly defaultChannel: ChannelRef | undefined;
  private readonly newStreamer: () => RedisStreamer;
  private readonly tracker: StatusTracker;
  private readonly inFlight = new Set<Promise<unknown>>();
  private streamer: RedisStreamer;
  private closed = false;

  /** Throws a ConfigError for invalid options (naming the option). Opens no connection. */
  constructor(options: RedisStreamerClientOptions) {
    super();
    const setup = clientSetup(options);
    this.defaultChannel = setup.channel;
    this.newStreamer = setup.newStreamer;
    this.streamer = this.newStreamer();
    this.tracker = new StatusTracker(this._status$);
    this.tracker.follow(this.streamer);
  }

  /** Nothing to wait for: connections open on the first emit (a closed client is opened again). */
  connect(): Promise<void> {
    this.reopen();
    return Promise.resolve();
  }

  /** Waits for the emits in flight, then closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.streamer.cleanup();
    this.tracker.closed();
  }

  /** Nest calls it at application shutdown: {@link close}. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /**
   * Publishes an event; the Observable emits the entry id and completes once it is appended (with
   * `replicas`, once they have it), or errors with the library's error (`PublishError`,
   * `InvalidMessageError`...). The event is published whether or not the Observable is
   * subscribed to; a failure nobody subscribed to is logged. A pattern that is not an event name
   * or `{ channel, event }` throws a ConfigError at once.
   * @param pattern an event name (published to the client's `channel`), `{ channel, event }`, or
   *   `streamEvent(contract, event)` (the data is then typed, and validated before sending).
   * @param data the body, or a {@link RedisStreamerRecord} with an idempotency key or replicas.
   */
  override emit<C extends AnyChannelContract, N extends EventName<C>>(
    pattern: ContractEventPattern<C, N>,
    data: EventInput<C, N> | RedisStreamerRecord<EventInput<C, N>>,
  ): Observable<string>;
  override emit<TResult = string, TInput = unknown>(
    pattern: string | UntypedPattern,
    data: TInput,
  ): Observable<TResult>;
  override emit(pattern: unknown, data: unknown): Observable<string> {
    const published = this.publishEvent(pattern, data);
    const result = new AsyncSubject<string>();
    let watched = false;
    published.then(
      (id) => {
        result.next(id);
        result.complete();
      },
      (err: unknown) => {
        if (!watched) {
          const why = err instanceof Error ? err.message : String(err);
          this.logger.error(`emit(${JSON.stringify(pattern)}) failed and nothing subscribed to its Observable: ${why}`);
        }
        result.error(err);
      },
    );
    return defer(() => {
      watched = true;
      return result;
    });
  }

  /** Fails with a ConfigError: request/response is not part of an event bus (use {@link emit}). */
  override send<TResult = never, TInput = unknown>(_pattern: unknown, _data: TInput): Observable<TResult> {
    return throwError(() => new ConfigError(NO_REQUEST_RESPONSE));
  }

  /**
   * Listens to a status event (`connected`, `reconnecting`, `disconnected`) or to one of the
   * streamer's ('error', 'reconnect', 'ready'...).
   * @typeParam EventKey the event's name.
   * @typeParam EventCallback the listener, typed by the event.
   */
  override on<
    EventKey extends keyof RedisStreamerEvents = keyof RedisStreamerEvents,
    EventCallback extends RedisStreamerEvents[EventKey] = RedisStreamerEvents[EventKey],
  >(event: EventKey, callback: EventCallback): void {
    this.tracker.on(event, callback, 'RedisStreamerClient.on()');
  }

  /** The underlying `RedisStreamer` (a new one after close()). */
  unwrap<T = RedisStreamer>(): T {
    return this.streamer as T;
  }

  /** For a health check: healthy when every open connection is ready (see {@link RedisStreamerHealth}). */
  health(): Promise<RedisStreamerHealth> {
    return healthOf(this.streamer, this.tracker.status, false);
  }

  /** Nest's request path, which {@link send} does not take: answers the same error. */
  protected publish(_packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    callback({ err: new ConfigError(NO_REQUEST_RESPONSE), isDisposed: true });
    return () => {};
  }

  /** Nest's event path: publishes the packet's data. */
  protected dispatchEvent<T = string>(packet: ReadPacket): Promise<T> {
    return this.publishEvent(packet.pattern, packet.data) as Promise<unknown> as Promise<T>;
  }

  /** Publishes; a bad pattern throws at once, anything else rejects. */
  private publishEvent(pattern: unknown, data: unknown): Promise<string> {
    const { channel, event } = emitTarget(pattern, this.defaultChannel);
    const [body, options]: [unknown, PublishOptions | undefined] =
      data instanceof RedisStreamerRecord ? [data.data, data.options] : [data, undefined];
    this.reopen();
    const message = { name: event, body };
    const published =
      typeof channel === 'string'
        ? this.streamer.sendMessage(channel, message, options)
        : this.streamer.sendMessage(channel, message as ContractMessage<typeof channel>, options);
    this.inFlight.add(published);
    const settled = (): void => void this.inFlight.delete(published);
    published.then(settled, settled);
    return published;
  }

  /** After close(), a new streamer (the closed one cannot be used again). */
  private reopen(): void {
    if (!this.closed) return;
    this.closed = false;
    this.streamer = this.newStreamer();
    this.tracker.follow(this.streamer);
  }
}

/**
 * The status of a transport or client, as Nest 10+ transports expose it: the `status` observable
 * (`connected`, `reconnecting`, `disconnected`) and `on(event, listener)`. It follows the
 * streamer's 'reconnect' and 'ready' events: reconnecting as soon as one connection is lost,
 * connected once every lost connection is ready again, disconnected after `close()`. The
 * streamer's own events ('error', 'deadLetter'...) are passed through `on()` as well.
 */
import { EventEmitter } from 'node:events';
import { ConfigError, type ReconnectEvent, type RedisStreamer, type StreamerEvents } from '../index.js';

/** Where a transport or client stands. */
export type RedisStreamerStatus = 'connected' | 'reconnecting' | 'disconnected';

/** The status events, as listened to with `on()`. */
export type RedisStreamerStatusEvents = {
  /** Every connection is ready: after start, and again after a reconnect. */
  connected: () => void;
  /** A connection was lost; the library reconnects by itself (once per attempt). */
  reconnecting: (event: ReconnectEvent) => void;
  /** `close()` closed every connection. */
  disconnected: () => void;
};

/** Every event `on()` takes: the status events and the streamer's own ('error', 'deadLetter'...). */
export type RedisStreamerEvents = RedisStreamerStatusEvents & {
  [K in keyof StreamerEvents]: (...args: StreamerEvents[K]) => void;
};

const STATUS_EVENTS = new Set<string>(['connected', 'reconnecting', 'disconnected']);
const STREAMER_EVENTS = new Set<string>(['error', 'deadLetter', 'reconnect', 'ready', 'trimmedUnread']);

type AnyListener = (...args: never[]) => void;

/** Follows a streamer's connections and keeps the status and its listeners. */
export class StatusTracker {
  private readonly down = new Set<string>();
  private readonly emitter = new EventEmitter();
  private readonly passed: Array<[event: keyof StreamerEvents, listener: AnyListener]> = [];
  private followed: RedisStreamer | undefined;
  private current: RedisStreamerStatus | undefined;

  /** @param subject the transport's or client's `_status$`, which Nest's `status` getter reads. */
  constructor(private readonly subject: { next(status: RedisStreamerStatus): void }) {}

  /** The status now (undefined before the first connection was ready). */
  get status(): RedisStreamerStatus | undefined {
    return this.current;
  }

  /** Follows this streamer from now on (a client's streamer is replaced after close()). */
  follow(streamer: RedisStreamer): void {
    this.followed = streamer;
    this.down.clear();
    streamer.on('reconnect', (event) => {
      if (this.followed !== streamer) return;
      this.down.add(event.connection);
      this.set('reconnecting');
      this.emitter.emit('reconnecting', event);
    });
    streamer.on('ready', (event) => {
      if (this.followed !== streamer) return;
      this.down.delete(event.connection);
      if (this.down.size === 0) this.set('connected');
    });
    for (const [event, listener] of this.passed) streamer.on(event, listener as never);
  }

  /** Connected, whatever the events said so far (the transport got Redis to answer). */
  connected(): void {
    if (this.down.size === 0) this.set('connected');
  }

  /** After close(): disconnected, and nothing followed until the next follow(). */
  closed(): void {
    this.followed = undefined;
    this.down.clear();
    this.set('disconnected');
  }

  /** Adds a listener of a status event or of one of the streamer's events. */
  on(event: string, listener: AnyListener, call: string): void {
    if (typeof listener !== 'function')
      throw new ConfigError(`${call}: the listener (second argument) must be a function`);
    if (STATUS_EVENTS.has(event)) {
      this.emitter.on(event, listener as (...args: unknown[]) => void);
      return;
    }
    if (!STREAMER_EVENTS.has(event)) {
      throw new ConfigError(
        `${call}: unknown event ${JSON.stringify(event)} (the events are ${[...STATUS_EVENTS, ...STREAMER_EVENTS].join(', ')})`,
      );
    }
    const name = event as keyof StreamerEvents;
    this.passed.push([name, listener]);
    this.followed?.on(name, listener as never);
  }

  private set(status: RedisStreamerStatus): void {
    if (status === this.current) return;
    this.current = status;
    this.subject.next(status);
    if (status !== 'reconnecting') this.emitter.emit(status);
  }
}

/**
 * The state of one connection (or cluster client) as the library follows it: ready, reconnecting,
 * closed, or failed for good; why it is down; its last error and reconnect count for `getStats()`;
 * and the listeners of its lifecycle events. Errors here are the library's, already translated.
 */
import { ConfigError, ConnectionError, type RedisStreamerError } from '../errors.js';
import type { ConnectionState, ConnectionStatus, PortEvents } from './port.js';
import { resetBeforeFirstAnswer } from './diagnosis.js';

/** Follows one connection. */
export class ConnectionTracker {
  private state: ConnectionState = 'idle';
  private attempts = 0;
  private reconnects = 0;
  /** Why the connection is down right now (cleared when it is ready again). */
  down: RedisStreamerError | undefined;
  /** A configuration error that closed the connection for good (a database that does not exist). */
  fatal: ConfigError | undefined;
  private lastError: RedisStreamerError | undefined;
  private lastErrorAt: number | null = null;
  /** Whether the connection has been ready once (an error before that may be a misconfiguration). */
  private everReady = false;
  private readonly listeners: { [E in keyof PortEvents]: Array<PortEvents[E]> } = {
    error: [],
    reconnecting: [],
    ready: [],
    warning: [],
  };

  /**
   * @param tls whether the connection uses TLS (a reset before the first answer then says nothing
   * of `rediss://`).
   */
  constructor(
    private readonly label: string,
    private readonly endpoint: string,
    private readonly tls = false,
  ) {}

  /** Adds a lifecycle listener. */
  on<E extends keyof PortEvents>(event: E, listener: PortEvents[E]): void {
    this.listeners[event].push(listener);
  }

  connecting(): void {
    if (this.state === 'idle') this.state = 'connecting';
  }

  reconnecting(delayMs: number): void {
    this.state = 'reconnecting';
    this.attempts++;
    this.reconnects++;
    for (const fn of this.listeners.reconnecting) fn(delayMs, this.attempts, this.down);
  }

  ready(): void {
    this.state = 'ready';
    this.everReady = true;
    this.attempts = 0;
    this.down = undefined;
    for (const fn of this.listeners.ready) fn();
  }

  /** The socket closed (unless the library closed it): the connection is down. */
  closedUnexpectedly(): void {
    this.down ??= new ConnectionError(this.endpoint, `the connection to Redis at ${this.endpoint} was closed`);
  }

  ended(): void {
    if (this.state !== 'failed') this.state = 'closed';
  }

  /** A warning from the client (what it would have printed on the console). */
  warning(message: string): void {
    for (const fn of this.listeners.warning) fn(message);
  }

  /**
   * A connection-level error. Returns true when it closes the connection for good (a database
   * index the server does not have: going on would use database 0).
   */
  error(met: RedisStreamerError): boolean {
    const error = this.everReady || this.tls ? met : resetBeforeFirstAnswer(met);
    this.record(error);
    this.down = error;
    const fatal = error instanceof ConfigError && this.fatal === undefined;
    if (fatal) {
      this.fatal = error;
      this.state = 'failed';
    }
    for (const fn of this.listeners.error) fn(error);
    return fatal;
  }

  /** An error met by a command that says something about the connection (a refused script load). */
  record(error: RedisStreamerError): void {
    this.lastError = error;
    this.lastErrorAt = Date.now();
  }

  /** Reports an error to the listeners without changing the state. */
  report(error: RedisStreamerError): void {
    this.record(error);
    for (const fn of this.listeners.error) fn(error);
  }

  /** Closed by the library. */
  closed(): void {
    if (this.state !== 'failed') this.state = 'closed';
  }

  status(): ConnectionStatus {
    return {
      name: this.label,
      endpoint: this.endpoint,
      state: this.state,
      lastError: this.lastError?.message ?? null,
      lastErrorCode: this.lastError?.code ?? null,
      lastErrorAt: this.lastErrorAt,
      reconnects: this.reconnects,
    };
  }
}

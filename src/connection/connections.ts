/**
 * The connections of one streamer: it opens them (through the port factory), names them, follows
 * their state for `getStats()`, reports their reconnects (with the endpoint and the cause,
 * rate-limited in the log) and closes every one of them. Nothing else opens a connection.
 */
import { ConnectionError, type RedisStreamerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { ReportLimiter } from '../report-limiter.js';
import type { ConnectionKind } from './port.js';
import type { ConnectionStatus, RedisPort } from './port.js';
import type { PortFactory } from './source.js';

/** A reconnect, as the streamer reports it. */
export interface ConnectionReport {
  /** Which connection: `command`, `channel:orders`... */
  readonly connection: string;
  /** `host:port`. */
  readonly endpoint: string;
  /** The attempt number since the connection was last ready, from 1. */
  readonly attempt: number;
  /** ms until the attempt. */
  readonly delayMs: number;
  /** Why the connection is down, when known. */
  readonly error: RedisStreamerError | undefined;
}

/** What the owner wants to hear. */
export interface ConnectionsReporter {
  readonly logger: Logger;
  readonly reconnect: (report: ConnectionReport) => void;
  /** A connection is ready for commands (first opened, or reconnected). @default nothing is told */
  readonly ready?: (connection: { readonly connection: string; readonly endpoint: string }) => void;
}

/** A log line per connection at most this often while it keeps failing. */
const LOG_EVERY_MS = 30_000;

/** Opens, follows and closes the connections of one streamer. */
export class Connections {
  private readonly open = new Set<RedisPort>();
  private commandPort: RedisPort | undefined;
  private replicaPort: RedisPort | undefined;
  private readonly limiter = new ReportLimiter(LOG_EVERY_MS);

  constructor(
    private readonly factory: PortFactory,
    private readonly prefix: string,
    private readonly reporter: ConnectionsReporter,
    /** Whether they go to a Redis Cluster (multi-key commands then need keys of one slot). */
    readonly cluster = false,
  ) {}

  /** The shared command connection (acknowledgements, scripts, publishing), opened on first use. */
  command(): RedisPort {
    this.commandPort ??= this.openPort('command', { kind: 'command' });
    return this.commandPort;
  }

  /**
   * The connection for publishes that wait for replicas (WAIT blocks the connection it runs on, and
   * counts the writes made on it), opened on first use.
   */
  replicaWrites(): RedisPort {
    this.replicaPort ??= this.openPort('replica-writes', { kind: 'blocking' });
    return this.replicaPort;
  }

  /** Opens a connection for blocking reads; the caller gives it back with {@link release}. */
  blocking(label: string): RedisPort {
    return this.openPort(label, { kind: 'blocking' });
  }

  /** Closes a connection opened by {@link blocking}. */
  async release(port: RedisPort): Promise<void> {
    if (!this.open.delete(port)) return;
    await port.close();
  }

  /** Cuts a connection at once; its pending commands fail. */
  discard(port: RedisPort): void {
    if (!this.open.delete(port)) return;
    port.destroy();
  }

  /**
   * Cuts a connection that seems hung (no reply data for too long) and reports it as a reconnect;
   * the caller opens a new one.
   */
  replaceHung(port: RedisPort, label: string, quietMs: number): void {
    this.discard(port);
    const error = new ConnectionError(port.endpoint, `no reply from Redis at ${port.endpoint} for ${quietMs} ms`);
    this.reporter.logger.warn(
      { connection: label, endpoint: port.endpoint },
      `${error.message}: replacing the connection`,
    );
    this.reporter.reconnect({ connection: label, endpoint: port.endpoint, attempt: 1, delayMs: 0, error });
  }

  /** Every open connection's state. */
  statuses(): ConnectionStatus[] {
    return [...this.open].map((p) => p.status());
  }

  /** Closes every connection. */
  async closeAll(): Promise<void> {
    const ports = [...this.open];
    this.open.clear();
    this.commandPort = undefined;
    this.replicaPort = undefined;
    await Promise.all(ports.map((p) => p.close()));
  }

  private openPort(label: string, kind: ConnectionKind): RedisPort {
    const port = this.factory(`${this.prefix}:${label}`, kind);
    this.open.add(port);
    const { logger } = this.reporter;
    port.on('reconnecting', (delayMs, attempt, error) => {
      const report: ConnectionReport = { connection: label, endpoint: port.endpoint, attempt, delayMs, error };
      // A new cause is news: it is logged at once; the same cause again at most every 30 s.
      const held = this.limiter.take(`${label}\n${error?.code ?? ''}`);
      if (held !== undefined) {
        logger.warn(
          { connection: label, endpoint: port.endpoint, attempt, delayMs, cause: error?.message, held },
          `reconnecting to Redis at ${port.endpoint}${error === undefined ? '' : `: ${error.message}`}`,
        );
      }
      this.reporter.reconnect(report);
    });
    port.on('ready', () => this.reporter.ready?.({ connection: label, endpoint: port.endpoint }));
    port.on('ready', () => this.limiter.reset(`${label}\n`));
    port.on('error', (err) => logger.debug({ connection: label, endpoint: port.endpoint, err }, err.message));
    return port;
  }
}

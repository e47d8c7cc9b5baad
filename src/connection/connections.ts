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
import { whenReady } from './ready-gate.js';
import { INSPECT } from './safe-inspect.js';
import type { PortFactory } from './source.js';
import type { Transport } from './transport.js';

/** How long a call waits for a connection when the transport does not say. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

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

  private readonly factory: PortFactory;
  /** Whether they go to a Redis Cluster (multi-key commands then need keys of one slot). */
  readonly cluster: boolean;
  /** How long a call waits for a connection that is not ready, in ms (the connect timeout). */
  private readonly connectTimeoutMs: number;

  /** @param source where connections come from (see source.ts). */
  constructor(
    source: Pick<Transport, 'open' | 'cluster' | 'connectTimeoutMs'>,
    private readonly prefix: string,
    private readonly reporter: ConnectionsReporter,
  ) {
    // Called as a method: a transport given by the user may use `this`.
    this.factory = (label, kind) => source.open(label, kind);
    this.cluster = source.cluster;
    this.connectTimeoutMs = source.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  /**
   * The shared command connection (or the one for publishes followed by WAIT) once it is ready:
   * at once when it is; otherwise after it connects, or rejected with why it cannot, within the
   * connect timeout whatever the client does meanwhile (see ready-gate.ts).
   */
  ready(which: 'command' | 'replicaWrites' = 'command'): Promise<RedisPort> {
    const port = this[which]();
    return whenReady(port, this.connectTimeoutMs).then(() => port);
  }

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

  /** util.inspect shows the connections' labels and endpoints, never their clients. */
  [INSPECT](): string {
    return `Connections <${[...this.open].map((p) => `${p.label} ${p.endpoint}`).join(', ')}>`;
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
    // What the client library would have printed on the console goes to the library's logger, each
    // text at most every 30 s: every connection of a streamer (and every reconnect) says the same.
    port.on('warning', (message) => {
      const held = this.limiter.take(`warning\n${message}`);
      if (held !== undefined) logger.warn({ connection: label, endpoint: port.endpoint, held }, message);
    });
    return port;
  }
}

/**
 * The life of one ioredis client the library owns, apart from its commands: its events turned into
 * the connection's state (see connection-state.ts) with the library's errors, the failures that end
 * it for good, and closing it so that nothing of it outlives `close()` (no socket, no timer, no
 * command left pending).
 */
import { ConnectionError, type RedisStreamerError } from '../errors.js';
import type { ConnectionTracker } from './connection-state.js';
import { clusterUnusable, sentinelsUnusable } from './diagnosis.js';
import {
  isClusterAllFailed,
  isSentinelLoginRefused,
  isSentinelsUnreachable,
  translateConnectionError,
} from './ioredis-errors.js';
import { RoundFailures } from './ioredis-hooks.js';
import type { Link } from './ioredis-link.js';
import type { Endpoint } from './ioredis-options.js';

/** How long a graceful close waits for the server to end the connection after QUIT. */
const QUIT_WAIT_MS = 1000;

/** Follows one client's lifecycle and closes it. */
export class ClientLifecycle {
  /** Closed by the library, or for good after a configuration error. */
  closed = false;
  /** What each seed node or sentinel said in the current round of connection attempts. */
  readonly round = new RoundFailures();
  /** Called once the client was told to close (after the link's own `afterClose`). */
  private readonly closers: Array<() => void> = [];

  constructor(
    private readonly link: Link,
    private readonly tracker: ConnectionTracker,
    private readonly where: Endpoint,
    private readonly label: string,
  ) {
    const client = link.client;
    const onError = (err: unknown): void => this.onError(err);
    client.on('error', onError);
    client.on('node error', onError);
    client.on('connecting', () => tracker.connecting());
    client.on('reconnecting', (delay: number) => tracker.reconnecting(delay));
    client.on('ready', () => tracker.ready());
    client.on('close', () => {
      if (!this.closed) tracker.closedUnexpectedly();
    });
    client.on('end', () => tracker.ended());
  }

  private onError(err: unknown): void {
    const roundFailed = this.roundFailure(err);
    if (roundFailed !== undefined) {
      // No seed node gave the slot map, or no sentinel said where the primary is (each was asked
      // once): ioredis tries again and again without failing the commands waiting for it. They fail
      // now with what each node said, never sent (the caller may retry; the client goes on trying).
      this.tracker.error(roundFailed);
      this.link.failQueued(roundFailed, { unsentOnly: true });
      return;
    }
    const { endpoint, user, db, sentinelUser } = this.where;
    const translated = translateConnectionError(err, endpoint, user, db, sentinelUser);
    const fatal = this.tracker.error(translated);
    if (isSentinelsUnreachable(err)) this.link.failQueued(translated, { unsentOnly: true });
    if (!fatal || this.tracker.fatal === undefined) return;
    // SELECT failed: ioredis would go on with database 0. Close for good before anything runs there.
    this.closed = true;
    this.link.client.disconnect(false);
    this.link.failQueued(this.tracker.fatal);
  }

  /** Adds something to release once the client was told to close. */
  onClose(release: () => void): void {
    this.closers.push(release);
  }

  private afterClose(): void {
    this.link.afterClose();
    for (const release of this.closers) release();
  }

  /** The error of a whole round of attempts that failed, node by node; undefined for any other error. */
  private roundFailure(err: unknown): RedisStreamerError | undefined {
    const { endpoint, primaryName } = this.where;
    if (isClusterAllFailed(err)) return clusterUnusable(endpoint, this.round.take());
    if (primaryName === undefined || !isSentinelsUnreachable(err) || isSentinelLoginRefused(err)) return undefined;
    return sentinelsUnusable(endpoint, primaryName, this.round.take());
  }

  /** Closes gracefully (QUIT, bounded), then fails whatever is still queued. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.link.client;
    if (client.status !== 'ready') {
      // Not connected (reconnecting, connecting, never used): nothing to say goodbye to. This
      // clears ioredis' reconnect timer; no 'end' event may follow, so none is awaited. Commands
      // queued for the reconnect would then wait forever: fail them.
      client.disconnect(false);
      this.afterClose();
      this.link.failQueued(this.closedError());
      this.tracker.closed();
      return;
    }
    // QUIT, then wait (bounded) for the socket to close, so nothing of it outlives close().
    let hasEnded = false;
    const ended = new Promise<void>((resolve) =>
      client.once('end', () => {
        hasEnded = true;
        resolve();
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, QUIT_WAIT_MS)));
    client.quit().catch(() => client.disconnect(false));
    this.afterClose();
    await Promise.race([ended, giveUp]);
    clearTimeout(timer);
    // Once ended, disconnect() would only arm ioredis' 2 s destroy timer on the closed socket.
    if (!hasEnded) client.disconnect(false);
    // A command the client still holds (queued for a node that went away) would never settle.
    this.link.failQueued(this.closedError());
    this.tracker.closed();
  }

  /** Closes at once, failing in-flight commands. Idempotent. */
  destroy(): void {
    this.closed = true;
    this.link.client.disconnect(false);
    this.afterClose();
    this.link.failQueued(this.closedError());
    this.tracker.closed();
  }

  private closedError(): ConnectionError {
    const { endpoint } = this.where;
    return new ConnectionError(endpoint, `the connection "${this.label}" to ${endpoint} was closed`);
  }
}

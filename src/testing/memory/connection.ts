/**
 * One in-memory connection's life, as a Redis client sees it: it becomes ready at once (on the
 * next microtask, so listeners added right after it is opened hear it), runs its commands in the
 * order they were sent, holds the ones sent behind a blocking command (a wait, WAIT) until that
 * ends, and fails what it still holds when it is closed. Commands reach the store the moment they
 * are sent: there is no network, no reconnect and no hung socket to model.
 */
import { ConnectionTracker } from '../../connection/connection-state.js';
import type { ConnectionStatus, PortEvents } from '../../connection/port.js';
import { ConnectionError, InternalError, RedisCommandError, RedisStreamerError } from '../../errors.js';
import { ReplyError } from './reply.js';

/** A command waiting behind a blocking one. */
interface Held {
  readonly start: () => void;
  readonly fail: (err: Error) => void;
}

/** The connection state and command order of one in-memory port. */
export class MemoryConnection {
  private readonly tracker: ConnectionTracker;
  private closed = false;
  /** A blocking command in progress: what fails it when the connection closes. */
  private blockedBy: ((err: Error) => void) | undefined;
  private held: Held[] = [];

  constructor(
    readonly label: string,
    readonly endpoint: string,
  ) {
    this.tracker = new ConnectionTracker(label, endpoint);
    this.tracker.connecting();
    queueMicrotask(() => {
      if (!this.closed) this.tracker.ready();
    });
  }

  status(): ConnectionStatus {
    return this.tracker.status();
  }

  on<E extends keyof PortEvents>(event: E, listener: PortEvents[E]): void {
    this.tracker.on(event, listener);
  }

  /** Whether it was closed. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** A store error as the library's: a Redis refusal, or (for anything else) a bug of the kit. */
  translate(err: unknown, command: string): RedisStreamerError {
    if (err instanceof RedisStreamerError) return err;
    if (err instanceof ReplyError) return new RedisCommandError(this.endpoint, command, err.message);
    return new InternalError(`the in-memory store failed ${command.toUpperCase()}: ${String(err)}`);
  }

  private closedError(sent: boolean): ConnectionError {
    return new ConnectionError(this.endpoint, `the connection "${this.label}" to ${this.endpoint} was closed`, {
      sent,
    });
  }

  /** Runs a command now, or after the blocking command before it: its reply, or its error translated. */
  run<T>(command: string, op: () => T): Promise<T> {
    return this.start((resolve, reject) => {
      try {
        resolve(op());
      } catch (err) {
        reject(this.translate(err, command));
      }
    });
  }

  /**
   * Runs a blocking command: `op` starts it and calls `done` (or `fail`) when it ends, maybe later;
   * until then the commands sent after it wait. It returns a function that ends it early (the
   * connection closing): the block is dropped from the store.
   */
  runBlocking<T>(
    command: string,
    op: (done: (value: T) => void, fail: (err: unknown) => void) => (() => void) | undefined,
  ): Promise<T> {
    return this.start((resolve, reject) => {
      let ended = false;
      // The reply first, then the commands held behind it: replies come in the order sent.
      const end = (settle: () => void): void => {
        if (ended) return;
        ended = true;
        settle();
        this.blockedBy = undefined;
        this.drain();
      };
      const done = (value: T): void => end(() => resolve(value));
      const fail = (err: unknown): void => end(() => reject(this.translate(err, command)));
      const drop = op(done, fail);
      if (ended) return;
      this.blockedBy = (err) => {
        drop?.();
        fail(err);
      };
    });
  }

  private start<T>(body: (resolve: (value: T) => void, reject: (err: unknown) => void) => void): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError(false));
    return new Promise<T>((resolve, reject) => {
      // Run now (the common case: no closure made), or once the blocking command before it ends.
      if (this.blockedBy === undefined) body(resolve, reject);
      else this.held.push({ start: () => body(resolve, reject), fail: reject });
    });
  }

  private drain(): void {
    while (this.blockedBy === undefined && this.held.length > 0 && !this.closed) this.held.shift()?.start();
  }

  /** Closes: a blocking command in progress and the commands behind it fail. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const held = this.held;
    this.held = [];
    if (this.blockedBy !== undefined || held.length > 0) {
      // Made only when something fails with it: an error's stack is costly.
      const err = this.closedError(true);
      this.blockedBy?.(err);
      for (const h of held) h.fail(err);
    }
    this.tracker.closed();
  }
}

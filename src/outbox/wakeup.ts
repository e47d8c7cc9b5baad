/**
 * When the relay looks at the table again: at once when a NOTIFY of the table's channel arrives
 * (LISTEN on a connection of its own, checked out of the pool for the relay's life), else after the
 * poll interval. A LISTEN connection that drops is given back to the pool closed, and opened again
 * before a later wait; meanwhile polling carries on.
 */
import { databaseError, type OutboxNotification, type OutboxPool, type OutboxPoolClient } from './db.js';

/** Wakes the relay on NOTIFY, on a kick, or after a timeout. */
export class Wakeup {
  private client: OutboxPoolClient | undefined;
  private pending = false;
  private wake: (() => void) | undefined;
  private readonly onNotification = (message: OutboxNotification): void => {
    if (message.channel === this.channel) this.kick();
  };
  private readonly onError = (): void => this.drop();

  constructor(
    private readonly pool: OutboxPool,
    private readonly channel: string,
  ) {}

  /** Whether a LISTEN connection is open. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /**
   * Opens the LISTEN connection (when it is not open). Rejects with a DatabaseError when the pool
   * cannot give a connection or LISTEN fails; polling goes on meanwhile.
   */
  async listen(): Promise<void> {
    if (this.client !== undefined) return;
    let client: OutboxPoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw databaseError('connecting to LISTEN for new outbox rows', err);
    }
    client.on('error', this.onError);
    client.on('notification', this.onNotification);
    try {
      // The channel is `rs_outbox:` and a checked table name: nothing in it needs escaping.
      await client.query(`LISTEN "${this.channel}"`);
    } catch (err) {
      this.release(client, true);
      throw databaseError('LISTEN for new outbox rows', err);
    }
    this.client = client;
    this.kick(); // rows may have come while nobody listened
  }

  /** Makes the current or next wait return at once. */
  kick(): void {
    this.pending = true;
    this.wake?.();
  }

  /** Resolves after `ms`, or at once on a NOTIFY or kick (also one that came before the call). */
  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Closes the LISTEN connection (given back to the pool closed) and ends a wait. */
  close(): void {
    this.drop();
    this.wake?.();
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) this.release(client, true);
  }

  private release(client: OutboxPoolClient, destroy: boolean): void {
    client.removeListener('notification', this.onNotification);
    // Keep an error listener: a closing connection may still emit one, and an unheard error would crash.
    client.removeListener('error', this.onError);
    client.on('error', () => {});
    try {
      client.release(destroy);
    } catch {
      // released already (the pool was ended): nothing to give back
    }
  }
}

/**
 * A TCP proxy in front of a Redis server, for fault tests: it can freeze the connections it
 * carries (a hung peer), or cut a connection right after Redis executed a command and before its
 * reply reaches the client (a reply lost in transit).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A proxy to 127.0.0.1:<target>. */
export class TcpProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();
  private readonly frozen: Socket[] = [];
  /** Set by {@link cutAfterReplies}: replies still allowed through before the cut. */
  private repliesLeft: number | undefined;
  /** Set by {@link cutAfterNextReply}. */
  private cutAfterForwarding = false;
  /** Listening port (after {@link start}). */
  port = 0;
  /** Called with every chunk a client writes, as it arrives (before it is passed on). */
  onClientData: ((data: Buffer) => void) | undefined;

  /** Starts listening on a free port. */
  async start(target: number): Promise<this> {
    this.server = createServer((client) => {
      const upstream = createConnection({ port: target, host: '127.0.0.1' });
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      client.on('data', (data: Buffer) => this.onClientData?.(data));
      client.pipe(upstream);
      upstream.on('data', (data: Buffer) => this.forwardReply(pair, data));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => {
        upstream.destroy();
        this.pairs.delete(pair);
      });
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
    return this;
  }

  private forwardReply([client, upstream]: [Socket, Socket], data: Buffer): void {
    if (this.repliesLeft !== undefined) {
      if (this.repliesLeft <= 0) {
        // Redis has executed the command whose reply this is: the client never learns of it.
        client.destroy();
        upstream.destroy();
        this.repliesLeft = undefined;
        return;
      }
      this.repliesLeft--;
    }
    client.write(data);
    if (this.cutAfterForwarding) {
      // The reply reaches the client, then its connection closes (the next reply is never sent).
      this.cutAfterForwarding = false;
      client.end();
      upstream.destroy();
    }
  }

  /**
   * Passes the next reply chunk on, then closes the connection that carried it: the client gets
   * the reply to a command, and loses the connection before the next (WAIT behind a script).
   */
  cutAfterNextReply(): void {
    this.cutAfterForwarding = true;
  }

  /**
   * Lets `n` more reply chunks through, then cuts the connection that receives the next one,
   * without passing it on. Meant for one connection carrying sequential commands.
   */
  cutAfterReplies(n: number): void {
    this.repliesLeft = n;
  }

  /** Existing connections stay open but nothing passes any more, in either direction. */
  freeze(): void {
    for (const pair of this.pairs) {
      const [client, upstream] = pair;
      client.unpipe(upstream);
      upstream.removeAllListeners('data');
      client.pause();
      upstream.pause();
      this.frozen.push(client, upstream);
    }
    this.pairs.clear();
  }

  /** Closes every connection and stops listening. */
  async stop(): Promise<void> {
    for (const socket of this.frozen.splice(0)) socket.destroy();
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

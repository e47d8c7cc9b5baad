/**
 * Publishing. A batch goes to Redis as one call of publish-1.lua (measured about twice as fast as a
 * pipeline of XADDs, and atomic). Concurrent `sendMessage` calls made in the same tick are coalesced
 * into one such batch per channel; a lone call is a plain XADD, so awaiting one message at a time
 * costs what it always did: one round trip.
 */
import type { RedisPort } from '../connection/port.js';
import { AuthError, ConnectionError, PartialPublishError, PublishError, RedisCommandError } from '../errors.js';
import type { MessageLike } from '../message.js';
import { scripts } from '../scripts/index.js';
import type { MessageEncoder } from './encoder.js';

/** Entries per script call. */
const MAX_ENTRIES = 1000;
/** Approximate payload per script call (UTF-16 code units), so no call carries hundreds of MB. */
const MAX_CHARS = 4 * 1024 * 1024;

interface Waiting {
  readonly fields: readonly string[];
  readonly resolve: (id: string) => void;
  readonly reject: (err: unknown) => void;
}

/** Appends encoded entries to streams, batching where it helps. */
export class Publisher {
  private queues = new Map<string, Waiting[]>();
  private scheduled = false;

  constructor(
    private readonly port: () => Promise<RedisPort>,
    private readonly encode: MessageEncoder,
  ) {}

  /** Publishes one message; concurrent calls in the same tick share one round trip. */
  publish(channel: string, message: MessageLike): Promise<string> {
    const fields = this.encode(channel, message);
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(channel);
      if (queue === undefined) {
        queue = [];
        this.queues.set(channel, queue);
      }
      queue.push({ fields, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => void this.flush());
      }
    });
  }

  /**
   * Publishes entries in order, one script call per chunk (each chunk is appended atomically). If a
   * chunk fails, the error is a {@link PartialPublishError} that tells the appended messages, those
   * in doubt (the failing chunk, when its command was sent before the connection dropped) and those
   * certainly not appended.
   */
  async publishMany(channel: string, messages: readonly MessageLike[]): Promise<string[]> {
    const entries = messages.map((m) => this.encode(channel, m));
    const port = await this.port();
    const ids: string[] = [];
    for (const chunk of chunks(entries)) {
      try {
        ids.push(...(await appendBatch(port, channel, chunk)));
      } catch (err) {
        if (!isPublishFailure(err)) throw err;
        throw new PartialPublishError(channel, ids, entries.length, chunk.length, err);
      }
    }
    return ids;
  }

  private async flush(): Promise<void> {
    const queues = this.queues;
    this.queues = new Map();
    this.scheduled = false;
    let port: RedisPort;
    try {
      port = await this.port();
    } catch (err) {
      for (const queue of queues.values()) for (const w of queue) w.reject(err);
      return;
    }
    for (const [channel, queue] of queues) {
      const fail = (err: unknown): unknown => publishFailure(channel, err);
      if (queue.length === 1) {
        const only = queue[0] as Waiting;
        port.xadd(channel, only.fields).then(only.resolve, (err: unknown) => only.reject(fail(err)));
        continue;
      }
      // Sent back to back on one connection, so Redis appends them in call order.
      for (const chunk of chunks(queue.map((w) => w.fields))) {
        const waiting = queue.splice(0, chunk.length);
        appendBatch(port, channel, chunk).then(
          (ids) => waiting.forEach((w, i) => w.resolve(ids[i] as string)),
          (err: unknown) => waiting.forEach((w) => w.reject(fail(err))),
        );
      }
    }
  }
}

/**
 * Failures a publish reports as a {@link PublishError} (saying whether the message may have been
 * appended): a dropped or unreachable connection, or a refusal such as OOM or NOPERM. A refused
 * login, a database that does not exist or a closed streamer are rejected as they are: no publish
 * can succeed until that is fixed.
 */
function isPublishFailure(err: unknown): boolean {
  return (err instanceof ConnectionError && !(err instanceof AuthError)) || err instanceof RedisCommandError;
}

function publishFailure(channel: string, err: unknown): unknown {
  return isPublishFailure(err) ? new PublishError(channel, err) : err;
}

async function appendBatch(
  port: RedisPort,
  channel: string,
  entries: ReadonlyArray<readonly string[]>,
): Promise<string[]> {
  const args: Array<string | number> = [entries.length];
  for (const fields of entries) args.push(fields.length / 2, ...fields);
  return scripts.publish.run(port, [channel], args);
}

function* chunks(entries: ReadonlyArray<readonly string[]>): Generator<ReadonlyArray<readonly string[]>> {
  let start = 0;
  let chars = 0;
  for (let i = 0; i < entries.length; i++) {
    for (const value of entries[i] as readonly string[]) chars += value.length;
    if (i + 1 - start >= MAX_ENTRIES || chars >= MAX_CHARS) {
      yield entries.slice(start, i + 1);
      start = i + 1;
      chars = 0;
    }
  }
  if (start < entries.length) yield entries.slice(start);
}

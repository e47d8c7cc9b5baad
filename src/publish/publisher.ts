/**
 * Publishing. A batch goes to Redis as one call of publish-1.lua (measured about twice as fast as a
 * pipeline of XADDs, and atomic). Concurrent `sendMessage` calls made in the same tick are coalesced
 * into one such batch per channel; a lone call is a plain XADD, so awaiting one message at a time
 * costs what it always did: one round trip.
 *
 * A message with an idempotency key goes through publish-keyed-3.lua (appended once per key within
 * the window) and, when the attempt fails in doubt or for a reason that passes, is sent again after
 * a backoff (`publishRetries`): the key makes that safe. A message without a key is never sent
 * again. Publishes that ask for replicas go on a connection of their own, each batch followed by
 * WAIT; before the first, that connection's right to run WAIT is checked once (./wait-right.ts), so
 * a user without it is refused before anything is appended. A WAIT that fails after the append is
 * a ReplicationError carrying the ids, never sent again.
 */
import type { RedisPort } from '../connection/port.js';
import {
  AuthError,
  ClosedError,
  ConnectionError,
  PartialPublishError,
  PublishError,
  RedisCommandError,
  ReplicationError,
} from '../errors.js';
import type { PublishHooks } from '../extensions.js';
import type { MessageLike } from '../message.js';
import { slotSafeOn } from '../naming.js';
import { systemClock, type Clock } from '../timers.js';
import { appendChunk, type Appended, type Outgoing } from './append.js';
import { messageEncoder, type MessageEncoder } from './encoder.js';
import type { ResolvedStreamerOptions } from '../options.js';
import {
  keyOf,
  resolveBatchPublishOptions,
  resolvePublishOptions,
  replicaWait,
  type BatchPublishOptions,
  type KeyedMessage,
  type PublishOptions,
  type ReplicaWait,
} from './publish-options.js';
import { passes, retryDelayMs } from './retry.js';
import { publishAround } from './around-publish.js';
import { waitRefused, WaitRight } from './wait-right.js';

/** Entries per script call. */
const MAX_ENTRIES = 1000;
/** Approximate payload per script call (UTF-16 code units), so no call carries hundreds of MB. */
const MAX_CHARS = 4 * 1024 * 1024;

/** What the publisher needs. */
export interface PublisherDeps {
  /** The shared command connection, or the one kept for publishes followed by WAIT (it blocks). */
  readonly port: (which: 'command' | 'replicaWrites') => Promise<RedisPort>;
  /** The streamer's options: maxMessageBytes, publishDedupWindowMs, publishRetries. */
  readonly options: Pick<ResolvedStreamerOptions, 'maxMessageBytes' | 'publishDedupWindowMs' | 'publishRetries'>;
  /** The publishing hooks (onPublish, aroundPublish), read on every call. */
  readonly hooks: PublishHooks;
  /** Reports a hook's error that changed nothing (an aroundPublish hook throwing after next()). */
  readonly report: (err: unknown, channel: string) => void;
  /**
   * Whether the server is a Redis Cluster: a keyed publish to a channel whose keys cannot share its
   * slot is then a ConfigError (its script could not run).
   */
  readonly cluster: boolean;
  /** Told of every append, with how many entries were new (a repeated key appends nothing). */
  readonly onAppended: (channel: string, appended: number) => void;
  /** The clock the retries' backoff runs on. @default the system clock */
  readonly clock?: Clock;
}

interface Waiting extends Outgoing {
  attempt: number;
  readonly resolve: (id: string) => void;
  readonly reject: (err: unknown) => void;
}

/** Messages waiting for the next flush, for one channel and one replica wait. */
interface Queue {
  readonly channel: string;
  readonly wait: ReplicaWait | undefined;
  readonly items: Waiting[];
}

/** Appends encoded entries to streams, batching where it helps. */
export class Publisher {
  private queues = new Map<string, Queue>();
  private scheduled = false;
  /** Retries waiting for their backoff: the timer's cancel, and the retry's rejection. */
  private readonly sleeping = new Map<() => void, () => void>();
  private readonly waitRight = new WaitRight();

  private readonly encode: MessageEncoder;
  private readonly windowMs: number;
  private readonly retries: number;

  constructor(private readonly deps: PublisherDeps) {
    const { maxMessageBytes, publishDedupWindowMs, publishRetries } = deps.options;
    this.encode = messageEncoder(deps.hooks, maxMessageBytes);
    this.windowMs = publishDedupWindowMs;
    this.retries = publishRetries;
  }

  /**
   * Publishes one message; concurrent calls in the same tick share one round trip (also inside
   * aroundPublish hooks that call `next` at once).
   */
  publish(channel: string, message: MessageLike, given?: PublishOptions): Promise<string> {
    const around = this.deps.hooks.aroundPublish;
    if (around.length === 0) return this.publishOne(channel, message, given, undefined);
    const event = { channel, messages: [message], fields: [{}], batch: false };
    const run = (): Promise<string> => this.publishOne(channel, message, given, event.fields[0]);
    return publishAround(
      around,
      event,
      run,
      (id) => [id],
      (err) => this.deps.report(err, channel),
    );
  }

  /**
   * Publishes several messages in order (see {@link publishBatch}), inside the aroundPublish hooks
   * when there are.
   */
  publishMany(channel: string, messages: readonly KeyedMessage[], given?: BatchPublishOptions): Promise<string[]> {
    const around = this.deps.hooks.aroundPublish;
    if (around.length === 0) return this.publishBatch(channel, messages, given, undefined);
    const event = { channel, messages, fields: messages.map(() => ({})), batch: true };
    const run = (): Promise<string[]> => this.publishBatch(channel, messages, given, event.fields);
    return publishAround(
      around,
      event,
      run,
      (ids) => ids,
      (err) => this.deps.report(err, channel),
    );
  }

  private publishOne(
    channel: string,
    message: MessageLike,
    given: PublishOptions | undefined,
    extra: Record<string, string> | undefined,
  ): Promise<string> {
    const options = resolvePublishOptions(given);
    const key = keyOf(message, options.idempotencyKey);
    if (key !== undefined) slotSafeOn(channel, this.deps.cluster);
    const fields = this.encode(channel, message, extra);
    const wait = replicaWait(options);
    return new Promise((resolve, reject) => this.enqueue(channel, wait, { fields, key, attempt: 0, resolve, reject }));
  }

  /**
   * Publishes entries in order, one script call per chunk (each chunk is appended atomically). If a
   * chunk fails for good, the error is a {@link PartialPublishError} that tells the appended
   * messages, those in doubt (the failing chunk, when its command was sent before the connection
   * dropped) and those certainly not appended. A chunk whose messages all carry a key is sent again
   * instead, up to `publishRetries` times. With `replicas`, every chunk is appended, then a chunk
   * confirmed by too few replicas is a `ReplicationError` carrying every id.
   */
  private async publishBatch(
    channel: string,
    messages: readonly KeyedMessage[],
    given: BatchPublishOptions | undefined,
    extra: readonly Record<string, string>[] | undefined,
  ): Promise<string[]> {
    const options = resolveBatchPublishOptions(given);
    const entries = messages.map((m, i) => {
      const key = keyOf(m);
      return { fields: this.encode(channel, m, extra?.[i]), key };
    });
    if (entries.some((e) => e.key !== undefined)) slotSafeOn(channel, this.deps.cluster);
    const wait = replicaWait(options);
    // Fetched per attempt: a connection not ready in time fails that attempt like a failed send.
    const port = (): Promise<RedisPort> => this.deps.port(wait === undefined ? 'command' : 'replicaWrites');
    if (wait !== undefined && entries.length > 0) {
      let refusal: RedisCommandError | undefined;
      try {
        refusal = await this.waitRight.refusal(await port(), channel);
      } catch (err) {
        if (!isPublishFailure(err)) throw err;
        throw new PartialPublishError(channel, [], entries.length, Math.min(entries.length, MAX_ENTRIES), err);
      }
      if (refusal !== undefined) throw waitRefused(channel, refusal, entries.length);
    }
    const ids: string[] = [];
    let shortfall: ReplicationError | undefined;
    for (const chunk of chunks(entries)) {
      try {
        ids.push(...(await this.appendWithRetries(port, channel, chunk, wait)).ids);
      } catch (err) {
        if (err instanceof ReplicationError) {
          // Appended all the same: the other chunks go too, and the error tells every id.
          ids.push(...err.ids);
          if (shortfall === undefined || worse(err, shortfall)) shortfall = err;
          continue;
        }
        if (!isPublishFailure(err)) throw err;
        throw new PartialPublishError(channel, ids, entries.length, chunk.length, err);
      }
    }
    if (shortfall !== undefined) {
      const { acknowledgedBy, replicas, timeoutMs, cause } = shortfall;
      throw new ReplicationError(channel, ids, acknowledgedBy, replicas, timeoutMs, cause);
    }
    return ids;
  }

  /** Ends retries waiting for their backoff: their publishes reject with a {@link ClosedError}. */
  close(): void {
    for (const [cancel, reject] of this.sleeping) {
      cancel();
      reject();
    }
    this.sleeping.clear();
  }

  private enqueue(channel: string, wait: ReplicaWait | undefined, item: Waiting): void {
    const id = wait === undefined ? channel : `${channel}\n${wait.replicas}\n${wait.timeoutMs}`;
    let queue = this.queues.get(id);
    if (queue === undefined) {
      queue = { channel, wait, items: [] };
      this.queues.set(id, queue);
    }
    queue.items.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => void this.flush());
    }
  }

  private async flush(): Promise<void> {
    const queues = this.queues;
    this.queues = new Map();
    this.scheduled = false;
    for (const queue of queues.values()) {
      let port: RedisPort;
      try {
        port = await this.deps.port(queue.wait === undefined ? 'command' : 'replicaWrites');
      } catch (err) {
        // No connection within the connect timeout: as a failed send (keyed messages are retried).
        this.failed(queue.channel, queue.wait, queue.items, err);
        continue;
      }
      const refusal = queue.wait === undefined ? undefined : await this.waitRight.refusal(port, queue.channel);
      if (refusal !== undefined) {
        for (const w of queue.items) w.reject(waitRefused(queue.channel, refusal));
        continue;
      }
      this.send(port, queue);
    }
  }

  /** Sends a queue's messages back to back on one connection, so Redis appends them in call order. */
  private send(port: RedisPort, { channel, wait, items }: Queue): void {
    const only = items.length === 1 ? (items[0] as Waiting) : undefined;
    if (only !== undefined && only.key === undefined && wait === undefined) {
      port.xadd(channel, only.fields).then(
        (id) => {
          this.deps.onAppended(channel, 1);
          only.resolve(id);
        },
        (err: unknown) => only.reject(publishFailure(channel, err)),
      );
      return;
    }
    // (chunks() reads the list lazily: it is given its own copy, never the queue it empties.)
    for (const waiting of chunks(items.splice(0))) {
      this.append(port, channel, waiting, wait).then(
        (appended) => {
          this.deps.onAppended(channel, appended.ids.length - appended.repeated.size);
          waiting.forEach((w, i) => w.resolve(appended.ids[i] as string));
        },
        (err: unknown) => this.failed(channel, wait, waiting, err),
      );
    }
  }

  /** A chunk failed: its keyed messages are sent again after a backoff while retries last. */
  private failed(channel: string, wait: ReplicaWait | undefined, waiting: readonly Waiting[], err: unknown): void {
    for (const w of waiting) {
      if (w.key === undefined || !passes(err) || w.attempt >= this.retries) {
        w.reject(publishFailure(channel, err));
        continue;
      }
      w.attempt++;
      this.sleep(retryDelayMs(w.attempt)).then(
        () => this.enqueue(channel, wait, w),
        (closed: unknown) => w.reject(closed),
      );
    }
  }

  private async appendWithRetries(
    port: () => Promise<RedisPort>,
    channel: string,
    chunk: readonly Outgoing[],
    wait: ReplicaWait | undefined,
  ): Promise<Appended> {
    const retriable = chunk.every((e) => e.key !== undefined);
    for (let attempt = 0; ; attempt++) {
      try {
        const appended = await this.append(await port(), channel, chunk, wait);
        this.deps.onAppended(channel, appended.ids.length - appended.repeated.size);
        return appended;
      } catch (err) {
        if (!retriable || !passes(err) || attempt >= this.retries) throw err;
        await this.sleep(retryDelayMs(attempt + 1));
      }
    }
  }

  /** One atomic append; a WAIT refused after it makes the next publish that waits check the right again. */
  private async append(
    port: RedisPort,
    channel: string,
    chunk: readonly Outgoing[],
    wait: ReplicaWait | undefined,
  ): Promise<Appended> {
    try {
      return await appendChunk(port, channel, chunk, this.windowMs, wait);
    } catch (err) {
      if (err instanceof ReplicationError) this.waitRight.failedAfterAppend(port, err.cause);
      throw err;
    }
  }

  /** Waits, unless the publisher is closed first (then rejects with a ClosedError). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const cancel = (this.deps.clock ?? systemClock).setTimer(ms, () => {
        this.sleeping.delete(cancel);
        resolve();
      });
      this.sleeping.set(cancel, () => reject(new ClosedError()));
    });
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

/** Which of two replication failures of a batch to report: the fewer replicas, or WAIT failing outright. */
function worse(a: ReplicationError, b: ReplicationError): boolean {
  return a.acknowledgedBy < b.acknowledgedBy || (a.cause !== undefined && b.cause === undefined);
}

function publishFailure(channel: string, err: unknown): unknown {
  if (err instanceof PublishError) return err;
  return isPublishFailure(err) ? new PublishError(channel, err) : err;
}

function* chunks<T extends { readonly fields: readonly string[] }>(entries: readonly T[]): Generator<readonly T[]> {
  let start = 0;
  let chars = 0;
  for (let i = 0; i < entries.length; i++) {
    for (const value of (entries[i] as T).fields) chars += value.length;
    if (i + 1 - start >= MAX_ENTRIES || chars >= MAX_CHARS) {
      yield entries.slice(start, i + 1);
      start = i + 1;
      chars = 0;
    }
  }
  if (start < entries.length) yield entries.slice(start);
}

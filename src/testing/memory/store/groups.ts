/**
 * A consumer group as Redis 7.0 keeps it (streamCG): its last delivered id, its entries-read
 * counter (-1 when unknown), its consumers and its pending entries list.
 */
import type { StreamId } from './ids.js';
import { PendingList, type Consumer } from './pel.js';

/** The entries-read value Redis uses for "unknown" (SCG_INVALID_ENTRIES_READ). */
export const UNKNOWN_ENTRIES_READ = -1;

/** A consumer group. */
export class ConsumerGroup {
  readonly pel = new PendingList();
  readonly consumers = new Map<string, Consumer>();

  constructor(
    readonly name: string,
    /** last_id: the highest id handed out with `>` (or set with SETID). */
    public lastId: StreamId,
    /** entries_read, or {@link UNKNOWN_ENTRIES_READ}. */
    public entriesRead: number,
  ) {}

  /** streamLookupConsumer: the consumer, its seen time refreshed to `now` unless `now` is undefined. */
  lookup(name: string, now: number | undefined): Consumer | undefined {
    const consumer = this.consumers.get(name);
    if (consumer !== undefined && now !== undefined) consumer.seenTime = now;
    return consumer;
  }

  /** streamCreateConsumer: a new consumer, or undefined when the name exists. */
  create(name: string, now: number): Consumer | undefined {
    if (this.consumers.has(name)) return undefined;
    const consumer: Consumer = { name, seenTime: now, pending: 0 };
    this.consumers.set(name, consumer);
    return consumer;
  }

  /** The consumer (seen now), created when missing: what reads and claims do. */
  lookupOrCreate(name: string, now: number): Consumer {
    return this.lookup(name, now) ?? (this.create(name, now) as Consumer);
  }

  /** streamDelConsumer: removes a consumer and its pending entries; returns how many it had. */
  deleteConsumer(consumer: Consumer): number {
    const pending = consumer.pending;
    if (pending > 0) for (const nack of this.pel.all()) if (nack.consumer === consumer) this.pel.remove(nack);
    this.consumers.delete(consumer.name);
    return pending;
  }
}

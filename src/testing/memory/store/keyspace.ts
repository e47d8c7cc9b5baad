/**
 * The keys of the store: each a string, hash, sorted set or stream, with an optional expiry time on
 * the store's clock. Expired keys are removed when looked up (as Redis does lazily; the time is the
 * clock's, which stands still within one command or script). A wrong type is Redis' WRONGTYPE.
 */
import type { Clock } from '../clock.js';
import { errors } from '../reply.js';
import { Stream } from './stream.js';
import { SortedSet } from './zset.js';

/** The value of a key, by type. */
export type Value =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'hash'; readonly value: Map<string, string> }
  | { readonly type: 'zset'; readonly value: SortedSet }
  | { readonly type: 'stream'; readonly value: Stream };

/** The type names of TYPE. */
export type ValueType = Value['type'];

interface Values {
  string: string;
  hash: Map<string, string>;
  zset: SortedSet;
  stream: Stream;
}

type ValueOf<T extends ValueType> = Values[T];

interface Slot {
  value: Value;
  /** ms on the store's clock, or undefined for no expiry. */
  expireAt: number | undefined;
}

const create: { [T in ValueType]: () => ValueOf<T> } = {
  string: () => '',
  hash: () => new Map<string, string>(),
  zset: () => new SortedSet(),
  stream: () => new Stream(),
};

/** The keyspace of one database. */
export class Keyspace {
  private readonly slots = new Map<string, Slot>();

  /**
   * @param clock the store's clock (expiry)
   * @param added called when a key is created or replaced (Redis' signalKeyAsReady in dbAdd)
   */
  constructor(
    private readonly clock: Clock,
    private readonly added: (key: string, value: Value) => void,
  ) {}

  private slot(key: string): Slot | undefined {
    const slot = this.slots.get(key);
    if (slot?.expireAt !== undefined && slot.expireAt <= this.clock.now()) {
      this.slots.delete(key);
      return undefined;
    }
    return slot;
  }

  /** The key's value, or undefined. */
  lookup(key: string): Value | undefined {
    return this.slot(key)?.value;
  }

  /** The key's value when it has type `type`; undefined when missing; WRONGTYPE otherwise. */
  get<T extends ValueType>(key: string, type: T): ValueOf<T> | undefined {
    const value = this.slot(key)?.value;
    if (value === undefined) return undefined;
    if (value.type !== type) throw errors.wrongType();
    return value.value as ValueOf<T>;
  }

  /** The key's value of type `type`, created empty when missing. */
  getOrCreate<T extends ValueType>(key: string, type: T): ValueOf<T> {
    const found = this.get(key, type);
    if (found !== undefined) return found;
    const value = create[type]();
    this.put(key, { type, value } as Value);
    return value;
  }

  /** Sets a key (its expiry cleared unless `keepTtl`). */
  put(key: string, value: Value, keepTtl = false): void {
    const old = this.slot(key);
    this.slots.set(key, { value, expireAt: keepTtl ? old?.expireAt : undefined });
    this.added(key, value);
  }

  /** Deletes a key; whether it existed. */
  delete(key: string): boolean {
    return this.slot(key) !== undefined && this.slots.delete(key);
  }

  /** Whether the key exists. */
  has(key: string): boolean {
    return this.slot(key) !== undefined;
  }

  /** Sets the expiry time (ms on the clock); whether the key exists. A time not in the future deletes it. */
  expireAt(key: string, at: number): boolean {
    const slot = this.slot(key);
    if (slot === undefined) return false;
    if (at <= this.clock.now()) this.slots.delete(key);
    else slot.expireAt = at;
    return true;
  }

  /** ms left before the key expires: -2 when missing, -1 without expiry. */
  ttl(key: string): number {
    const slot = this.slot(key);
    if (slot === undefined) return -2;
    return slot.expireAt === undefined ? -1 : slot.expireAt - this.clock.now();
  }

  /** RENAME: moves the value and its expiry. */
  rename(from: string, to: string): void {
    const slot = this.slot(from);
    if (slot === undefined) throw errors.noSuchKey();
    if (from === to) return;
    this.slots.delete(from);
    this.slots.set(to, slot);
    this.added(to, slot.value);
  }

  /** The live keys. */
  *keys(): IterableIterator<string> {
    for (const key of [...this.slots.keys()]) if (this.slot(key) !== undefined) yield key;
  }

  /** Removes every key. */
  clear(): void {
    this.slots.clear();
  }
}

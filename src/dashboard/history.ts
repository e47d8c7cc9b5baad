/**
 * The history behind the dashboard's charts: per channel and per group, a bounded ring buffer of
 * samples (stream length and dead letters; lag and pending), fed by the sampler. Channels and
 * groups that disappear are forgotten, so memory stays bounded by what exists.
 */
import type { ChannelInfo } from '../inspect/inspector.js';

/** A fixed-capacity buffer keeping the newest items. */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;

  /** @param capacity how many items it keeps (at least 1). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be an integer >= 1');
    this.items = new Array<T | undefined>(capacity);
  }

  /** How many items it holds. */
  get size(): number {
    return this.count;
  }

  /** Adds an item, dropping the oldest when full. */
  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** The items, oldest first. */
  toArray(): T[] {
    const start = (this.next - this.count + this.capacity) % this.capacity;
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.items[(start + i) % this.capacity] as T);
    return out;
  }
}

/** One sample of a channel. */
export interface ChannelSample {
  /** When (ms since the epoch, this process's clock). */
  readonly t: number;
  /** Entries in the stream. */
  readonly length: number;
  /** Dead letters. */
  readonly deadLetters: number;
}

/** One sample of a group. */
export interface GroupSample {
  /** When (ms since the epoch). */
  readonly t: number;
  /** Entries not yet delivered (null when Redis cannot tell). */
  readonly lag: number | null;
  /** Entries delivered and not acknowledged. */
  readonly pending: number;
}

/** A channel's history, as the API returns it. */
export interface ChannelHistory {
  /** The channel's samples, oldest first. */
  readonly samples: readonly ChannelSample[];
  /** Each group's samples, oldest first. */
  readonly groups: readonly { readonly name: string; readonly samples: readonly GroupSample[] }[];
}

interface Track {
  readonly samples: RingBuffer<ChannelSample>;
  readonly groups: Map<string, RingBuffer<GroupSample>>;
}

/** Samples of every channel and group, each in a ring buffer of `capacity` samples. */
export class History {
  private readonly tracks = new Map<string, Track>();

  /** @param capacity samples kept per channel and per group. */
  constructor(readonly capacity: number) {}

  /** Records one sample of every channel; channels and groups absent from `channels` are forgotten. */
  record(t: number, channels: readonly ChannelInfo[]): void {
    const seen = new Set<string>();
    for (const info of channels) {
      seen.add(info.channel);
      let track = this.tracks.get(info.channel);
      if (track === undefined) {
        track = { samples: new RingBuffer(this.capacity), groups: new Map() };
        this.tracks.set(info.channel, track);
      }
      track.samples.push({ t, length: info.length, deadLetters: info.deadLetters });
      const groups = new Set<string>();
      for (const g of info.groups) {
        groups.add(g.name);
        let ring = track.groups.get(g.name);
        if (ring === undefined) {
          ring = new RingBuffer(this.capacity);
          track.groups.set(g.name, ring);
        }
        ring.push({ t, lag: g.lag, pending: g.pending });
      }
      for (const name of [...track.groups.keys()]) if (!groups.has(name)) track.groups.delete(name);
    }
    for (const name of [...this.tracks.keys()]) if (!seen.has(name)) this.tracks.delete(name);
  }

  /** A channel's history (empty when it was never sampled). */
  of(channel: string): ChannelHistory {
    const track = this.tracks.get(channel);
    if (track === undefined) return { samples: [], groups: [] };
    return {
      samples: track.samples.toArray(),
      groups: [...track.groups].map(([name, ring]) => ({ name, samples: ring.toArray() })),
    };
  }

  /** How many channels it tracks. */
  get channels(): number {
    return this.tracks.size;
  }
}

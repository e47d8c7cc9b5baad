/**
 * A streamer's subscriptions: one per channel, each with its consumer group (created in Redis when
 * the channel is first subscribed, at `$` or `0-0`, with MKSTREAM; an existing group is kept) and
 * the options its consumer runs with.
 */
import type { RedisPort } from '../connection/port.js';
import { retryTransient } from '../connection/retry.js';
import { createGroup } from '../delivery/groups.js';
import type { Logger } from '../logger.js';
import { groupName } from '../naming.js';
import type { SubscribeOptions } from '../options.js';
import { resolveSubscribeOptions } from '../resolve-options.js';
import type { Subscription } from './channel-wiring.js';

/** What the subscriptions need. */
export interface SubscriptionsDeps {
  /** The service name, part of every group name. */
  readonly service: string;
  readonly command: () => Promise<RedisPort>;
  readonly logger: Logger;
  /** Refuses (or warns about) a channel whose keys cannot share its cluster slot. */
  readonly checkSlotSafe: (channel: string) => void;
  /** A channel was subscribed (a running consume run starts reading it). */
  readonly added: (channel: string) => void;
}

/** The channels a streamer is subscribed to. */
export class Subscriptions {
  private readonly byChannel = new Map<string, Subscription>();
  /** Channels whose subscribe() is creating the group. */
  private readonly subscribing = new Set<string>();

  constructor(private readonly deps: SubscriptionsDeps) {}

  /**
   * Subscribes to a channel: creates its group unless it exists. A second call does nothing (and
   * warns when its options differ); a group created meanwhile by another instance is fine.
   */
  async add(channel: string, options: SubscribeOptions): Promise<void> {
    const resolved = resolveSubscribeOptions(options);
    const existing = this.byChannel.get(channel);
    if (existing !== undefined) {
      if (existing.concurrency !== resolved.concurrency || existing.orderingKey !== resolved.orderingKey) {
        this.deps.logger.warn({ channel }, 'already subscribed: the options of this second subscribe() are ignored');
      }
      return;
    }
    this.deps.checkSlotSafe(channel);
    const group = groupName(channel, this.deps.service);
    const start = resolved.startFromLatest ? '$' : '0-0';
    const creating = retryTransient(async () => createGroup(await this.deps.command(), channel, group, start));
    this.subscribing.add(channel);
    await creating.finally(() => this.subscribing.delete(channel));
    if (this.byChannel.has(channel)) return;
    this.byChannel.set(channel, {
      channel,
      group,
      concurrency: resolved.concurrency,
      orderingKey: resolved.orderingKey,
    });
    this.deps.added(channel);
  }

  /** Whether a subscribe() is creating a group right now (its channel is consumed once it has). */
  pending(): boolean {
    return this.subscribing.size > 0;
  }

  /** Subscribed, or being subscribed: its handlers run (otherwise a warning says they never will). */
  has(channel: string): boolean {
    return this.byChannel.has(channel) || this.subscribing.has(channel);
  }

  /** Forgets a channel; whether it was subscribed. */
  delete(channel: string): boolean {
    return this.byChannel.delete(channel);
  }

  /** A channel's subscription. */
  get(channel: string): Subscription | undefined {
    return this.byChannel.get(channel);
  }

  /** The subscribed channels. */
  channels(): string[] {
    return [...this.byChannel.keys()];
  }

  /** Every subscription. */
  list(): Subscription[] {
    return [...this.byChannel.values()];
  }

  /** How many channels are subscribed. */
  get size(): number {
    return this.byChannel.size;
  }
}

/**
 * The parts a {@link RedisStreamer} is made of, built and wired once: reports, connections,
 * publishing, subscriptions, maintenance, and what the user plugged in (middleware and hooks). The streamer keeps the registrations and forwards its
 * calls to these parts; what they need of the streamer comes in as {@link StreamerLinks}.
 */
import { Connections } from './connection/connections.js';
import type { RedisPort } from './connection/port.js';
import type { RedisSource } from './connection/redis-source.js';
import type { Transport } from './connection/transport.js';
import { transportOf } from './connection/transport-of.js';
import type { ConsumeRun } from './consume/consume-run.js';
import { Subscriptions } from './consume/subscriptions.js';
import type { StreamerEvents } from './events.js';
import { Extensions } from './extensions.js';
import { Maintenance } from './maintenance/maintenance.js';
import { slotSafeOn } from './naming.js';
import type { ResolvedStreamerOptions } from './options.js';
import { Publisher } from './publish/publisher.js';
import { Reports } from './reports.js';
import { ChannelCounters } from './stats.js';
import { systemClock, type Clock } from './timers.js';

/** What the parts need of the streamer. */
export interface StreamerLinks {
  readonly service: string;
  readonly consumer: string;
  readonly options: ResolvedStreamerOptions;
  /** A connection (see RedisStreamer's command()): refused once the streamer is closed. */
  readonly command: (which?: 'command' | 'replicaWrites') => Promise<RedisPort>;
  /** Emits one of the streamer's events; a listener that throws is told to `onListenerError`. */
  readonly emitSafely: <E extends keyof StreamerEvents>(
    event: E,
    onListenerError: (err: unknown) => void,
    ...args: StreamerEvents[E]
  ) => boolean;
  /** The consume run, while one runs. */
  readonly run: () => ConsumeRun | undefined;
  /** The channels with a retention setting. */
  readonly retention: () => ReadonlyArray<{ channel: string; retentionMs: number; maxLen: number | undefined }>;
}

/** The parts. */
export interface StreamerParts {
  readonly extensions: Extensions;
  readonly reports: Reports;
  readonly counters: ChannelCounters;
  readonly connections: Connections;
  readonly publisher: Publisher;
  readonly subscriptions: Subscriptions;
  readonly maintenance: Maintenance;
  /** Whether Redis is a primary found through Sentinel (checked for fencing at start). */
  readonly sentinel: boolean;
  /** Where Redis is, safe to show (no credentials). */
  readonly describe: string;
  /** The clock delivery runs on (the transport's, else the system's). */
  readonly clock: Clock;
  /** A channel whose auxiliary keys cannot share its slot: refused on a cluster, a warning elsewhere. */
  readonly checkSlotSafe: (channel: string) => void;
}

/** Builds the parts of a streamer. */
export function streamerParts(redis: RedisSource | Transport, links: StreamerLinks): StreamerParts {
  const { options, service } = links;
  const counters = new ChannelCounters();
  const extensions = new Extensions(options.hooks, options.middleware, (m) => options.logger.warn({ service }, m));
  const reports: Reports = new Reports(
    options.logger,
    extensions,
    // A listener that throws is reported and does not stop the others.
    (event, ...args) => links.emitSafely(event, (err) => reports.listenerThrew(event, err), ...args),
    (c) => counters.of(c),
  );
  const source = transportOf(redis);
  const clock = source.clock ?? systemClock;
  const connections = new Connections(source, service, {
    logger: options.logger,
    reconnect: (report) => reports.reconnect(report),
    ready: (event) => reports.ready(event),
  });
  const checkSlotSafe = (channel: string): void => {
    if (!slotSafeOn(channel, connections.cluster)) reports.slotUnsafe(channel);
  };
  const publisher = new Publisher({
    port: (which) => links.command(which),
    clock,
    options,
    hooks: extensions,
    report: (err, channel) => reports.error(err, { phase: 'hook', channel }),
    cluster: connections.cluster,
    onAppended: (channel, appended) => counters.of(channel).add('published', appended),
  });
  const subscriptions = new Subscriptions({
    service,
    command: () => links.command(),
    logger: options.logger,
    checkSlotSafe,
    added: (channel) => links.run()?.add(channel),
  });
  const maintenance = new Maintenance({
    options,
    consumer: links.consumer,
    command: () => links.command(),
    subscriptions: () => subscriptions.list(),
    retention: links.retention,
    reports,
    clock,
  });
  return {
    extensions,
    reports,
    counters,
    connections,
    publisher,
    subscriptions,
    maintenance,
    sentinel: source.sentinel,
    describe: source.describe,
    clock,
    checkSlotSafe,
  };
}

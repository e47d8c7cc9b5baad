/**
 * What the parts of one channel's consumer share: names, options, the handler registry, the shared
 * command connection and the way to report errors and events to the streamer.
 */
import type { Connections } from '../connection/connections.js';
import type { RedisPort } from '../connection/port.js';
import type { DeadLetterEvent, ErrorContext } from '../events.js';
import type { HandlerRegistry } from '../handlers.js';
import type { ResolvedStreamerOptions } from '../options.js';
import type { Counters } from '../stats.js';

/** Where a channel consumer reports what happens to it. */
export interface ChannelReporter {
  /** A recovered-from error. */
  error(err: unknown, context: ErrorContext): void;
  /** An entry was dead-lettered (emits the event and calls the hook). */
  deadLetter(event: DeadLetterEvent): void;
}

/** The shared context of one channel consumer. */
export interface ChannelEnv {
  readonly channel: string;
  readonly group: string;
  readonly consumer: string;
  readonly listener: string;
  readonly options: ResolvedStreamerOptions;
  readonly registry: HandlerRegistry;
  /** The streamer's shared command connection (acks, scripts, dead letters). */
  readonly command: () => Promise<RedisPort>;
  /** The streamer's connections: this channel opens its read connection there. */
  readonly connections: Connections;
  readonly reporter: ChannelReporter;
  /** This channel's counters. */
  readonly counters: Counters;
}

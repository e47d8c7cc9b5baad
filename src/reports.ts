/**
 * How a streamer reports what happens to it, so that nothing fails silently: events for those who
 * listen, the logger otherwise, hooks where they are set, counters, and rate limits so a flood of
 * failures (a poison source, a server that refuses every login) cannot flood the log. A log line
 * never carries a message body or a credential.
 */
import type { ConnectionReport } from './connection/connections.js';
import type { FailureReport } from './consume/deliveries.js';
import { HookError, toError } from './errors.js';
import type { DeadLetterEvent, ErrorContext, ReadyEvent, StreamerEvents, TrimmedUnreadEvent } from './events.js';
import type { Extensions } from './extensions.js';
import type { Logger } from './logger.js';
import { ReportLimiter } from './report-limiter.js';
import type { CounterSet } from './stats.js';

/** Handler failures are logged per channel at most this often (with a count of those held back). */
const FAILURE_LOG_EVERY_MS = 10_000;

/** Dead-letter reasons that follow a handler's failure, which {@link Reports.handlerFailed} logs. */
const HANDLER_REASONS: ReadonlySet<string> = new Set(['handler-failed', 'unrecoverable', 'max-attempts']);

/** Emits an event to the streamer's listeners; false when there was none. */
export type Emit = <E extends keyof StreamerEvents>(event: E, ...args: StreamerEvents[E]) => boolean;

/** The reports of one streamer. */
export class Reports {
  private readonly failures = new ReportLimiter(FAILURE_LOG_EVERY_MS);
  /** Entries dead-lettered before any handler ran (bad body, unknown event), limited the same way. */
  private readonly undecodable = new ReportLimiter(FAILURE_LOG_EVERY_MS);
  /** Channels already warned about for handlers without a subscription. */
  private readonly unsubscribedWarned = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly extensions: Extensions,
    private readonly emit: Emit,
    private readonly counters: (channel: string) => CounterSet,
  ) {}

  /** A recovered-from error: the 'error' event, or the logger when nobody listens. */
  error(err: unknown, context: ErrorContext): void {
    const error = toError(err);
    if (!this.emit('error', error, context)) this.logger.error({ err: error, ...context }, error.message);
  }

  /**
   * A handler failed: one log line (no body), rate-limited per channel, with the fields the
   * `logFields` hooks give for the message (its trace, for instance).
   */
  handlerFailed(report: FailureReport): void {
    const held = this.failures.take(`${report.channel}\n${report.group}`);
    if (held === undefined) return;
    const { channel, group, id, name, attempt, error, decision } = report;
    const fate =
      decision.action === 'retry' ? `retrying in about ${decision.delayMs} ms` : `dead-lettered (${decision.reason})`;
    const extra = this.extensions.logFields(report.context, (err) => this.error(err, { phase: 'hook', channel }));
    this.logger.warn(
      {
        ...extra,
        channel,
        group,
        id,
        name,
        attempt,
        error: error.message,
        ...(held > 0 ? { heldBack: held } : {}),
      },
      `handler failed on "${name}" (${id}, attempt ${attempt}): ${error.message}; ${fate}` +
        (held > 0 ? ` (${held} more failures on this channel since the last report)` : ''),
    );
  }

  /**
   * An entry was dead-lettered: the event and the hooks. One that no handler saw (a body its
   * contract refuses, an unknown event, unreadable fields) is also logged, rate-limited per channel
   * and group: a handler failure says so itself ({@link handlerFailed}), this one would be silent.
   */
  deadLetter(event: DeadLetterEvent): void {
    if (!HANDLER_REASONS.has(event.reason)) this.neverHandled(event);
    this.emit('deadLetter', event);
    this.extensions.deadLetter(event, (err) => this.error(err, { phase: 'hook', channel: event.channel }));
  }

  private neverHandled(event: DeadLetterEvent): void {
    const { channel, group, id, reason, error, deadLetterStream } = event;
    const held = this.undecodable.take(`${channel}\n${group}`);
    if (held === undefined) return;
    this.logger.warn(
      { channel, group, id, reason, error, deadLetterStream, ...(held > 0 ? { heldBack: held } : {}) },
      `entry ${id} of "${channel}" was not handled (${reason}): ${error}; dead-lettered to "${deadLetterStream}"` +
        (held > 0 ? ` (${held} more on this channel since the last report)` : ''),
    );
  }

  /** A connection is being re-opened (the connections log it, rate-limited). */
  reconnect(report: ConnectionReport): void {
    this.emit('reconnect', report);
  }

  /** A connection is ready (first opened, or back after a reconnect). */
  ready(event: ReadyEvent): void {
    this.emit('ready', event);
  }

  /** Retention removed entries some group had not read. */
  trimmedUnread(event: TrimmedUnreadEvent): void {
    this.counters(event.channel).add('trimmedUnread', event.removedUnreadStale + event.removedUnreadMaxLen);
    this.logger.warn({ ...event }, 'retention removed unread entries');
    this.emit('trimmedUnread', event);
  }

  /** Warns about what would fail silently: nothing subscribed (nor being subscribed), or a channel without handler. */
  silentChannels(
    listener: string,
    channels: readonly string[],
    hasHandler: (channel: string) => boolean,
    subscribing: boolean,
  ): void {
    if (channels.length === 0 && !subscribing) {
      this.logger.warn({ listener }, 'persistConsume() runs with no subscription: nothing is consumed');
    }
    for (const channel of channels) {
      if (hasHandler(channel)) continue;
      this.logger.warn(
        { channel },
        `channel "${channel}" has no handler: it is not read until one is registered, and its lag grows`,
      );
    }
  }

  /**
   * Handlers registered for channels that are not subscribed never run (the mirror image of a
   * subscribed channel without a handler): a warning, once per channel, for each of `channels`
   * that `subscribed` says is not.
   */
  unsubscribed(channels: Iterable<string>, subscribed: (channel: string) => boolean): void {
    for (const channel of channels) {
      if (subscribed(channel) || this.unsubscribedWarned.has(channel)) continue;
      this.unsubscribedWarned.add(channel);
      this.logger.warn(
        { channel },
        `channel "${channel}" has a handler but is not subscribed: its handlers never run until subscribe("${channel}") is called`,
      );
    }
  }

  /** A listener of a streamer event threw: logged (never emitted, which could loop) as a HookError. */
  listenerThrew(event: string, err: unknown): void {
    const error = new HookError(`listener:${event}`, err, 'the other listeners were called all the same');
    this.logger.error({ err: error, event }, error.message);
  }

  /** The service name was changed by dtpyfw's sanitizing: said once, at info. */
  serviceRenamed(service: string, listener: string): void {
    this.logger.info(
      { service, listener },
      `the service name "${service}" is used as "${listener}" in group names (dtpyfw's sanitizing)`,
    );
  }

  /** A channel name whose auxiliary keys cannot share its cluster slot. */
  slotUnsafe(channel: string): void {
    this.logger.warn(
      { channel },
      'this channel name contains "}" without a hash tag: its dead-letter and guard keys cannot share its Redis Cluster slot',
    );
  }

  /** Maintenance removed failure records of entries no longer pending in their group (destroyed). */
  retryRecordsRemoved(channel: string, group: string, count: number): void {
    this.counters(channel).add('retryRecordsRemoved', count);
    this.logger.warn(
      { channel, group, count },
      `${count} failure records removed: their entries were no longer pending in group "${group}" (it was destroyed, which drops its pending list), so they will not be retried`,
    );
  }

  /** Old dead letters were dropped. */
  deadLettersDropped(channel: string, count: number): void {
    this.counters(channel).add('deadLettersDropped', count);
    this.logger.info({ channel, count }, 'old dead letters dropped');
  }
}

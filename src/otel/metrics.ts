/**
 * Metrics through an OpenTelemetry Meter. Measured in the hooks: the messaging conventions'
 * `messaging.client.sent.messages`, `messaging.client.operation.duration` (per publish call),
 * `messaging.client.consumed.messages` and `messaging.process.duration` (per handling). Read from
 * `getStats()` at each collection (see stats-instruments.ts): the library's own counters and the
 * groups' gauges. Attributes are the channel, the group, the operation and `error.type` only (never
 * an entry id or a body), so their number stays bounded.
 *
 * The two counters are counted here and reported at each collection (asynchronous counters, the
 * same cumulative sums for an exporter): a message costs an addition, not an SDK call that hashes
 * its attributes. The histograms are recorded per operation.
 */
import type { Attributes, Histogram, Meter, ObservableResult } from '@opentelemetry/api';
import type { MessageContext } from '../index.js';
import {
  ATTR_DESTINATION,
  ATTR_ERROR_TYPE,
  ATTR_GROUP,
  ATTR_OPERATION_NAME,
  ATTR_OPERATION_TYPE,
  ATTR_SYSTEM,
  errorType,
  MESSAGING_SYSTEM,
  PROCESS,
  SEND,
} from './attributes.js';

/** The conventions' advisory bucket boundaries for the duration histograms, in seconds. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** How an operation failed (undefined when it succeeded). */
export interface Failure {
  /** What it failed with (possibly not an Error, even undefined). */
  readonly error: unknown;
}

/** Cumulative counts by attribute set (each set built once, see Measures.attributes). */
class Counts {
  private readonly counts = new Map<Attributes, number>();

  add(n: number, attributes: Attributes): void {
    this.counts.set(attributes, (this.counts.get(attributes) ?? 0) + n);
  }

  report = (result: ObservableResult): void => {
    for (const [attributes, n] of this.counts) result.observe(n, attributes);
  };
}

/** The instruments measured in the hooks. */
export class Measures {
  private readonly sent = new Counts();
  private readonly operationDuration: Histogram;
  private readonly consumed = new Counts();
  private readonly processDuration: Histogram;
  /** Stops reporting the counters (the instrumentation was closed). */
  readonly stop: () => void;
  /** The attribute sets, by operation, channel, group and error type: built once each. */
  private readonly sets = new Map<string, Attributes>();

  constructor(meter: Meter) {
    const advice = { explicitBucketBoundaries: DURATION_BUCKETS };
    const sent = meter.createObservableCounter('messaging.client.sent.messages', {
      unit: '{message}',
      description: 'Number of messages producer attempted to send to the broker.',
    });
    sent.addCallback(this.sent.report);
    this.operationDuration = meter.createHistogram('messaging.client.operation.duration', {
      unit: 's',
      description: 'Duration of messaging operation initiated by a producer or consumer client.',
      advice,
    });
    const consumed = meter.createObservableCounter('messaging.client.consumed.messages', {
      unit: '{message}',
      description: 'Number of messages that were delivered to the application.',
    });
    consumed.addCallback(this.consumed.report);
    this.stop = () => {
      sent.removeCallback(this.sent.report);
      consumed.removeCallback(this.consumed.report);
    };
    this.processDuration = meter.createHistogram('messaging.process.duration', {
      unit: 's',
      description: 'Duration of processing operation.',
      advice,
    });
  }

  /** A publish call of `count` messages took `ms`, and failed (or not). */
  published(channel: string, count: number, ms: number, failure: Failure | undefined): void {
    const attributes = this.attributes(SEND, channel, undefined, failure);
    this.sent.add(count, attributes);
    this.operationDuration.record(ms / 1000, attributes);
  }

  /** A handling of one entry took `ms`, and failed (or not). */
  processed(c: MessageContext, ms: number, failure: Failure | undefined): void {
    const attributes = this.attributes(PROCESS, c.channel, c.group, failure);
    this.consumed.add(1, attributes);
    this.processDuration.record(ms / 1000, attributes);
  }

  private attributes(
    operation: string,
    channel: string,
    group: string | undefined,
    failure: Failure | undefined,
  ): Attributes {
    const error = failure === undefined ? undefined : errorType(failure.error);
    const key = `${operation}\n${channel}\n${group ?? ''}\n${error ?? ''}`;
    let attributes = this.sets.get(key);
    if (attributes !== undefined) return attributes;
    attributes = {
      [ATTR_SYSTEM]: MESSAGING_SYSTEM,
      [ATTR_OPERATION_NAME]: operation,
      [ATTR_OPERATION_TYPE]: operation,
      [ATTR_DESTINATION]: channel,
      ...(group === undefined ? {} : { [ATTR_GROUP]: group }),
      ...(error === undefined ? {} : { [ATTR_ERROR_TYPE]: error }),
    };
    this.sets.set(key, attributes);
    return attributes;
  }
}

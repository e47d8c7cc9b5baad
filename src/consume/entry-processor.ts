/**
 * Handling one entry: decode it, run the channel's handlers, then acknowledge it, schedule its
 * retry or move it to the dead-letter stream, as the delivery mode says.
 *
 * Round trips per entry on the success path: none of its own. Acknowledgements (at-least-once)
 * are batched per event-loop turn by {@link AckBuffer}; at-most-once reads use NOACK and need none.
 */
import { isUtf8 } from 'node:buffer';
import type { RawEntry } from '../connection/port.js';
import { AckBuffer } from '../delivery/acks.js';
import type { DeadLetterReason } from '../events.js';
import { moveToDeadLetters } from '../delivery/dead-letters.js';
import { decideFailure } from '../delivery/failures.js';
import { DecodeError, toError } from '../errors.js';
import { runHandlers, type HandlerFailure, type MessageContext } from '../handlers.js';
import { decodeFields, mayHoldInvalidUtf8, type DecodedEntry } from '../message.js';
import { retryKey } from '../naming.js';
import { scripts } from '../scripts/index.js';
import { sleep } from '../timers.js';
import type { ChannelEnv } from './channel-env.js';
import { InFlight, type TrackedBatch } from './in-flight.js';

/** An entry decoded ahead of handling (so an ordering key can be computed from its payload). */
export interface Prepared {
  readonly raw: RawEntry;
  readonly decoded?: DecodedEntry;
  readonly failure?: DecodeError;
  /** Its text holds U+FFFD: the raw bytes are checked for invalid UTF-8 before handling. */
  readonly suspect: boolean;
}

/** How long moving an entry to the dead-letter stream is retried while Redis is unreachable. */
const DEAD_LETTER_RETRY_MS = 10_000;

/** The field a replayed dead letter carries: only this group handles it again. */
export const REPLAY_GROUP_FIELD = 'rs-replay-group';

/** Handles entries of one channel for one group. */
export class EntryProcessor {
  /** Entries taken and not finished (at-least-once: their leases are renewed). */
  readonly inFlight = new InFlight();
  /** In-flight entries another consumer took over: not acknowledged by this one. */
  readonly lost = new Set<string>();
  private readonly acks: AckBuffer | undefined;
  private readonly atLeastOnce: boolean;
  private abandoning = false;
  /** Set once shut down: a handler that outlived the shutdown may not write to Redis any more. */
  private closed = false;

  constructor(private readonly env: ChannelEnv) {
    this.atLeastOnce = env.options.delivery === 'at-least-once';
    this.acks = this.atLeastOnce
      ? new AckBuffer(env.command, env.channel, env.group, (err) =>
          env.reporter.error(err, { phase: 'ack', channel: env.channel }),
        )
      : undefined;
  }

  /** Decodes what can be decoded synchronously. */
  prepare(raw: RawEntry): Prepared {
    if (mayHoldInvalidUtf8(raw[1])) return { raw, suspect: true };
    try {
      return { raw, decoded: decodeFields(raw[1], this.env.options.maxMessageBytes), suspect: false };
    } catch (err) {
      return { raw, failure: asDecodeError(err), suspect: false };
    }
  }

  /** Marks an entry as taken (call when it is queued, so its lease is kept from then on). */
  track(id: string): void {
    if (this.atLeastOnce) this.inFlight.add(id);
  }

  /** Marks a batch as taken, to be handled in order (see {@link finishedInBatch}). */
  trackBatch(entries: readonly RawEntry[]): TrackedBatch | undefined {
    return this.atLeastOnce ? this.inFlight.addBatch(entries) : undefined;
  }

  /** The next entry of a tracked batch is done. */
  finishedInBatch(batch: TrackedBatch | undefined): void {
    if (batch !== undefined) this.inFlight.advance(batch);
  }

  /**
   * From now on, at-least-once entries that have not started are left pending (another consumer,
   * or this service's next process, takes them over) instead of being handled.
   */
  abandonQueued(): void {
    this.abandoning = this.atLeastOnce;
  }

  /** Acknowledges an entry that needs no handling (skipped by the dedup guard, say). */
  acknowledge(id: string, wasRetried = false): void {
    if (this.closed) {
      if (this.acks !== undefined) this.lateAfterClose(id, 'acknowledgement');
      return;
    }
    this.acks?.add(id, wasRetried);
  }

  /** Flushes acknowledgements and stops their retry timer. */
  async close(): Promise<void> {
    this.closed = true;
    await this.acks?.close();
  }

  /**
   * Handles one entry; never throws. The common case (decodable, synchronous handlers, success)
   * finishes synchronously and returns undefined, so a batch of such entries costs no promise per
   * message; otherwise the returned promise settles when the entry is done.
   */
  handle(p: Prepared, attempt: number): Promise<void> | undefined {
    const { env } = this;
    const decoded = p.decoded;
    if (this.abandoning || decoded === undefined || p.suspect || env.options.hooks.aroundHandle !== undefined) {
      return this.handleSlowly(p, attempt);
    }
    const id = p.raw[0];
    if (this.isForAnotherGroup(decoded, id, attempt)) {
      this.finish(id);
      return undefined;
    }
    const context = this.contextOf(p.raw, decoded, attempt);
    const started = env.options.hooks.onHandled !== undefined ? performance.now() : 0;
    const failures = runHandlers(env.registry.get(env.channel), decoded.name, decoded.body, context);
    const settled = Array.isArray(failures)
      ? this.settle(p.raw, decoded, context, failures, attempt, started)
      : failures.then((f) => this.settle(p.raw, decoded, context, f, attempt, started));
    if (settled === undefined) {
      this.finish(id);
      return undefined;
    }
    return settled.then(
      () => this.finish(id),
      (err: unknown) => {
        this.finish(id);
        env.reporter.error(err, { phase: 'consume', channel: env.channel });
      },
    );
  }

  /** {@link handle} as a promise that never rejects, whatever a handler or hook does. */
  handleSafely(p: Prepared, attempt: number): Promise<void> {
    try {
      return this.handle(p, attempt) ?? Promise.resolve();
    } catch (err) {
      this.finish(p.raw[0]);
      this.env.reporter.error(err, { phase: 'consume', channel: this.env.channel });
      return Promise.resolve();
    }
  }

  /** The general path: verification of suspect bytes, dead letters for bad entries, the around hook. */
  private async handleSlowly(p: Prepared, attempt: number): Promise<void> {
    const id = p.raw[0];
    try {
      if (this.abandoning) return;
      let decoded = p.decoded;
      let failure = p.failure;
      if (p.suspect) ({ decoded, failure } = await this.verifyAndDecode(p.raw));
      if (failure !== undefined || decoded === undefined) {
        const error = failure ?? new DecodeError('invalid-json', 'entry could not be decoded');
        await this.deadLetter(p.raw, error.reason, error, attempt);
        return;
      }
      if (this.isForAnotherGroup(decoded, id, attempt)) return;
      const context = this.contextOf(p.raw, decoded, attempt);
      const handlers = this.env.registry.get(this.env.channel);
      const started = this.env.options.hooks.onHandled !== undefined ? performance.now() : 0;
      const failures =
        this.env.options.hooks.aroundHandle === undefined
          ? await runHandlers(handlers, decoded.name, decoded.body, context)
          : await this.runAround(handlers, decoded, context);
      await this.settle(p.raw, decoded, context, failures, attempt, started);
    } catch (err) {
      this.env.reporter.error(err, { phase: 'consume', channel: this.env.channel });
    } finally {
      this.finish(id);
    }
  }

  private finish(id: string): void {
    this.inFlight.delete(id);
    if (this.lost.size > 0) this.lost.delete(id);
  }

  /** A replayed dead letter meant for another group: skipped (and acknowledged). */
  private isForAnotherGroup(decoded: DecodedEntry, id: string, attempt: number): boolean {
    const target = decoded.fields[REPLAY_GROUP_FIELD];
    if (target === undefined || target === this.env.group) return false;
    this.env.counters.deduplicated++;
    this.acknowledge(id, attempt > 1);
    return true;
  }

  private contextOf(raw: RawEntry, decoded: DecodedEntry, attempt: number): MessageContext {
    const { env } = this;
    return {
      channel: env.channel,
      id: raw[0],
      group: env.group,
      consumer: env.consumer,
      listener: env.listener,
      attempt,
      fields: decoded.fields,
    };
  }

  /**
   * After the handlers ran: acknowledge on success (synchronously, returning undefined), or decide
   * between a retry and a dead letter (returning the promise of that work).
   */
  private settle(
    raw: RawEntry,
    decoded: DecodedEntry,
    context: MessageContext,
    failures: HandlerFailure[],
    attempt: number,
    started: number,
  ): Promise<void> | undefined {
    const { env } = this;
    const hooks = env.options.hooks;
    if (failures.length === 0) {
      env.counters.handled++;
      if (!this.lost.has(raw[0])) this.acknowledge(raw[0], attempt > 1);
      if (hooks.onHandled !== undefined) {
        const durationMs = performance.now() - started;
        this.hook(() => hooks.onHandled?.({ name: decoded.name, payload: decoded.body, context, durationMs }));
      }
      return undefined;
    }
    env.counters.failed++;
    const errors = failures.map((f) => f.error);
    const decision = decideFailure(env.options.delivery, attempt, env.options.maxAttempts, errors);
    if (hooks.onFailed !== undefined) {
      const willRetry = decision.action === 'retry';
      this.hook(() => hooks.onFailed?.({ name: decoded.name, payload: decoded.body, context, errors, willRetry }));
    }
    if (decision.action === 'dead-letter') return this.deadLetter(raw, decision.reason, labelled(failures), attempt);
    if (this.closed) {
      this.lateAfterClose(raw[0], 'failure record');
      return undefined;
    }
    if (this.lost.has(raw[0])) return undefined;
    // Left pending: the sweep retries it after the backoff of its delivery count.
    return env
      .command()
      .then((port) => port.runScript(scripts.noteFailure, [retryKey(env.channel, env.group)], [raw[0]]))
      .then(() => undefined);
  }

  private async runAround(
    handlers: Parameters<typeof runHandlers>[0],
    decoded: DecodedEntry,
    context: MessageContext,
  ): Promise<HandlerFailure[]> {
    let failures: HandlerFailure[] | undefined;
    try {
      await this.env.options.hooks.aroundHandle?.({ name: decoded.name, payload: decoded.body, context }, async () => {
        failures = await runHandlers(handlers, decoded.name, decoded.body, context);
      });
    } catch (err) {
      this.env.reporter.error(err, { phase: 'hook', channel: this.env.channel });
      if (failures === undefined) return [{ label: 'aroundHandle', error: err }];
    }
    return failures ?? [{ label: 'aroundHandle', error: new Error('aroundHandle did not call next()') }];
  }

  /** Moves an entry to the dead-letter stream (acknowledging it in at-least-once mode). */
  async deadLetter(raw: RawEntry, reason: DeadLetterReason, error: unknown, attempts: number): Promise<void> {
    const { env } = this;
    if (this.lost.has(raw[0])) return; // another consumer took it over: its fate is theirs now
    // Retried for a while (Redis may be restarting), but not past shutdown.
    const giveUpAt = Date.now() + DEAD_LETTER_RETRY_MS;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) {
        this.lateAfterClose(raw[0], 'dead-letter');
        return;
      }
      try {
        const port = await env.command();
        const event = await moveToDeadLetters(port, {
          channel: env.channel,
          group: env.group,
          consumer: env.consumer,
          id: raw[0],
          fields: raw[1],
          reason,
          error,
          attempts,
          ack: this.atLeastOnce,
        });
        if (event === undefined) {
          env.options.logger.debug({ channel: env.channel, id: raw[0] }, 'not dead-lettered: no longer pending here');
          return;
        }
        env.counters.deadLettered++;
        env.reporter.deadLetter(event);
        return;
      } catch (err) {
        if (Date.now() >= giveUpAt) {
          const fate = this.atLeastOnce ? 'it stays pending and will be retried' : 'it is lost (at-most-once)';
          env.reporter.error(
            new Error(`could not dead-letter entry ${raw[0]} (${reason}); ${fate}: ${toError(err).message}`, {
              cause: err,
            }),
            {
              phase: 'dead-letter',
              channel: env.channel,
            },
          );
          return;
        }
        await sleep(Math.min(1000, 100 * attempt));
      }
    }
  }

  private async verifyAndDecode(raw: RawEntry): Promise<{ decoded?: DecodedEntry; failure?: DecodeError }> {
    const port = await this.env.command();
    const bytes = await port.xrangeRawFields(this.env.channel, raw[0]);
    if (bytes !== null) {
      for (let i = 0; i < bytes.length; i++) {
        if (!isUtf8(bytes[i] as Buffer)) {
          const what = i % 2 === 0 ? 'a field name' : `field "${bytes[i - 1]?.toString('utf8') ?? ''}"`;
          return { failure: new DecodeError('invalid-utf8', `${what} is not valid UTF-8`) };
        }
      }
    }
    try {
      return { decoded: decodeFields(raw[1], this.env.options.maxMessageBytes) };
    } catch (err) {
      return { failure: asDecodeError(err) };
    }
  }

  /** The entries whose acknowledgement is queued and not yet sent. */
  get queuedAcks(): readonly string[] {
    return this.acks?.queued ?? [];
  }

  private lateAfterClose(id: string, what: string): void {
    const fate = this.atLeastOnce ? 'it stays pending and will be delivered again' : 'it is dropped';
    this.env.options.logger.warn(
      { channel: this.env.channel, id },
      `a handler finished after shutdown; its ${what} was not written and ${fate}`,
    );
  }

  private hook(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.env.reporter.error(err, { phase: 'hook', channel: this.env.channel });
    }
  }
}

function asDecodeError(err: unknown): DecodeError {
  return err instanceof DecodeError ? err : new DecodeError('invalid-json', toError(err).message, { cause: err });
}

/** One error naming each failing handler: `label: message; label: message`, the first one's stack. */
function labelled(failures: readonly HandlerFailure[]): Error {
  const out = new Error(failures.map((f) => `${f.label}: ${toError(f.error).message}`).join('; '));
  out.stack = toError(failures[0]?.error).stack ?? '';
  return out;
}

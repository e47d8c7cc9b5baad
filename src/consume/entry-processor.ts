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
import type { DeadLetterReason } from '../delivery/dead-letter-reason.js';
import { moveToDeadLetters } from '../delivery/dead-letters.js';
import { decideFailure } from '../delivery/failures.js';
import { DecodeError, toError } from '../errors.js';
import { runHandlers, type HandlerFailure, type MessageContext } from '../handlers.js';
import { decodeFields, mayHoldInvalidUtf8, type DecodedEntry } from '../message.js';
import { retryKey } from '../naming.js';
import { scripts } from '../scripts/index.js';
import { sleep } from '../timers.js';
import type { ChannelEnv } from './channel-env.js';

/** An entry decoded ahead of handling (so an ordering key can be computed from its payload). */
export interface Prepared {
  readonly raw: RawEntry;
  readonly decoded?: DecodedEntry;
  readonly failure?: DecodeError;
  /** Its text holds U+FFFD: the raw bytes are checked for invalid UTF-8 before handling. */
  readonly suspect: boolean;
}

/** The field a replayed dead letter carries: only this group handles it again. */
export const REPLAY_GROUP_FIELD = 'rs-replay-group';

/** Handles entries of one channel for one group. */
export class EntryProcessor {
  /** Entries taken and not finished (at-least-once: their leases are renewed). */
  readonly inFlight = new Set<string>();
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

  /** Handles one entry; never throws. */
  async process(p: Prepared, attempt: number): Promise<void> {
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
      const target = decoded.fields[REPLAY_GROUP_FIELD];
      if (target !== undefined && target !== this.env.group) {
        this.env.counters.deduplicated++;
        this.acknowledge(id, attempt > 1);
        return;
      }
      await this.runAndSettle(p.raw, decoded, attempt);
    } catch (err) {
      this.env.reporter.error(err, { phase: 'consume', channel: this.env.channel });
    } finally {
      this.inFlight.delete(id);
      this.lost.delete(id);
    }
  }

  private async runAndSettle(raw: RawEntry, decoded: DecodedEntry, attempt: number): Promise<void> {
    const { env } = this;
    const hooks = env.options.hooks;
    const context: MessageContext = {
      channel: env.channel,
      id: raw[0],
      group: env.group,
      consumer: env.consumer,
      listener: env.listener,
      attempt,
      fields: decoded.fields,
    };
    const handlers = env.registry.get(env.channel);
    const started = hooks.onHandled !== undefined ? performance.now() : 0;
    let failures: HandlerFailure[];
    if (hooks.aroundHandle === undefined) {
      failures = await runHandlers(handlers, decoded.name, decoded.body, context);
    } else {
      failures = await this.runAround(handlers, decoded, context);
    }
    if (failures.length === 0) {
      env.counters.handled++;
      if (!this.lost.has(raw[0])) this.acknowledge(raw[0], attempt > 1);
      if (hooks.onHandled !== undefined) {
        const durationMs = performance.now() - started;
        this.hook(() => hooks.onHandled?.({ name: decoded.name, payload: decoded.body, context, durationMs }));
      }
      return;
    }
    env.counters.failed++;
    const errors = failures.map((f) => f.error);
    const decision = decideFailure(env.options.delivery, attempt, env.options.maxAttempts, errors);
    if (hooks.onFailed !== undefined) {
      const willRetry = decision.action === 'retry';
      this.hook(() => hooks.onFailed?.({ name: decoded.name, payload: decoded.body, context, errors, willRetry }));
    }
    if (decision.action === 'dead-letter') {
      await this.deadLetter(raw, decision.reason, labelled(failures), attempt);
    } else if (this.closed) {
      this.lateAfterClose(raw[0], 'failure record');
    } else if (!this.lost.has(raw[0])) {
      // Left pending: the sweep retries it after the backoff of its delivery count.
      const port = await env.command();
      await port.runScript(scripts.noteFailure, [retryKey(env.channel, env.group)], [raw[0]]);
    }
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
        if (attempt >= 3) {
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
        await sleep(100 * attempt);
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

/**
 * Handling one entry, without touching Redis: decode it, run the middleware chain and the channel's
 * handlers, and say how it went. What becomes of the entry (acknowledged, retried, dead-lettered)
 * is the delivery strategy's decision, made by the entry's owner ({@link Deliveries}).
 *
 * The common case (decodable, synchronous handlers, no middleware, success) finishes synchronously,
 * so a batch of such entries costs no promise per message.
 */
import { isUtf8 } from 'node:buffer';
import type { RawEntry } from '../connection/port.js';
import type { ContractSlot } from '../contract/book.js';
import { checkIncoming, IGNORED, type Admitted } from '../contract/incoming.js';
import type { SourceKind } from '../delivery/strategy.js';
import { DecodeError, toError } from '../errors.js';
import { runHandlers, type HandlerFailure, type HandlerRegistry, type MessageContext } from '../handlers.js';
import { decodeFields, IDEMPOTENCY_FIELD, mayHoldInvalidUtf8, type DecodedEntry } from '../message.js';
import { callHandlers, compose, errorsOf, handlerError, type HandlingMessage, type Middleware } from '../middleware.js';

/** An entry decoded ahead of handling (so an ordering key can be computed from its payload). */
export interface Prepared {
  readonly raw: RawEntry;
  readonly decoded?: DecodedEntry;
  readonly failure?: DecodeError;
  /** Its text holds U+FFFD: the raw bytes are checked for invalid UTF-8 before handling. */
  readonly suspect: boolean;
  /** Being checked by an async schema of the channel's contract (`decoded` is the body as read). */
  readonly admitting?: Promise<Admitted>;
  /** The contract says to settle it without handling (an event name it does not list). */
  readonly ignored?: boolean;
}

/** How handling went. */
export type Outcome =
  | { readonly kind: 'handled' }
  /** A replay (of an older version of this library) meant for another group: not handled. */
  | { readonly kind: 'not-ours' }
  | { readonly kind: 'undecodable'; readonly error: DecodeError }
  | {
      readonly kind: 'failed';
      readonly name: string;
      readonly errors: readonly unknown[];
      readonly error: Error;
      /** The context the handlers got (for the log line's `logFields`). */
      readonly context: MessageContext;
    };

const HANDLED: Outcome = Object.freeze({ kind: 'handled' });
const NOT_OURS: Outcome = Object.freeze({ kind: 'not-ours' });

/** The field older versions of this library put on replays they appended to the channel. */
export const LEGACY_REPLAY_GROUP_FIELD = 'rs-replay-group';

/** What the pipeline needs. */
export interface PipelineDeps {
  readonly channel: string;
  readonly group: string;
  readonly consumer: string;
  readonly service: string;
  readonly maxMessageBytes: number;
  readonly registry: HandlerRegistry;
  /** Middlewares, outermost first. */
  readonly middleware: readonly Middleware[];
  /** An entry's fields as raw bytes (to tell invalid UTF-8), null when it is gone. */
  readonly rawFields: (source: SourceKind, id: string) => Promise<Buffer[] | null>;
  /** The channel's contract, if it has one: entries are validated against it before handling. */
  readonly contract: ContractSlot;
}

/** Decodes and handles entries of one channel for one group. */
export class Pipeline {
  private readonly chain: ((message: HandlingMessage) => Promise<void>) | undefined;

  constructor(private readonly deps: PipelineDeps) {
    const { registry, channel } = deps;
    this.chain =
      deps.middleware.length === 0
        ? undefined
        : compose(deps.middleware, (message) => callHandlers(registry.get(channel), message));
  }

  /** Decodes (and checks against the channel's contract) what can be done synchronously. */
  prepare(raw: RawEntry): Prepared {
    if (mayHoldInvalidUtf8(raw[1])) return { raw, suspect: true };
    let decoded: DecodedEntry;
    try {
      decoded = decodeFields(raw[1], this.deps.maxMessageBytes);
    } catch (err) {
      return { raw, failure: asDecodeError(err), suspect: false };
    }
    return this.admit(raw, decoded);
  }

  /** A decoded entry against the channel's contract (unchanged when it has none). */
  private admit(raw: RawEntry, decoded: DecodedEntry): Prepared {
    const contract = this.deps.contract.contract;
    if (contract === undefined) return { raw, decoded, suspect: false };
    const admitted = checkIncoming(contract, decoded);
    if (admitted instanceof Promise) return { raw, decoded, suspect: false, admitting: admitted };
    return preparedFrom(raw, decoded, admitted);
  }

  /** Handles one prepared entry. Never throws; the outcome is synchronous in the common case. */
  run(p: Prepared, source: SourceKind, attempt: number): Outcome | Promise<Outcome> {
    if (p.ignored === true) return HANDLED;
    if (p.admitting !== undefined) return this.runAdmitted(p, source, attempt);
    const decoded = p.decoded;
    if (decoded === undefined || p.suspect) return this.runSuspect(p, source, attempt);
    const target = decoded.fields[LEGACY_REPLAY_GROUP_FIELD];
    if (target !== undefined && target !== this.deps.group) return NOT_OURS;
    const context = this.contextOf(p.raw[0], decoded, source, attempt);
    if (this.chain !== undefined) return this.runChain(this.chain, decoded, context);
    const failures = runHandlers(this.deps.registry.get(this.deps.channel), decoded.name, decoded.body, context);
    return Array.isArray(failures)
      ? outcomeOf(decoded.name, failures, context)
      : failures.then((f) => outcomeOf(decoded.name, f, context));
  }

  private async runChain(
    chain: (message: HandlingMessage) => Promise<void>,
    decoded: DecodedEntry,
    context: MessageContext,
  ): Promise<Outcome> {
    try {
      await chain({ name: decoded.name, payload: decoded.body, context });
      return HANDLED;
    } catch (err) {
      return { kind: 'failed', name: decoded.name, errors: errorsOf(err), error: toError(err), context };
    }
  }

  /** An entry an async schema of the contract is checking: handled once it answered. */
  private async runAdmitted(p: Prepared, source: SourceKind, attempt: number): Promise<Outcome> {
    const admitted = await (p.admitting as Promise<Admitted>);
    return this.run(preparedFrom(p.raw, p.decoded as DecodedEntry, admitted), source, attempt);
  }

  /** Entries that did not decode, or whose text may hide invalid UTF-8. */
  private async runSuspect(p: Prepared, source: SourceKind, attempt: number): Promise<Outcome> {
    let { decoded, failure } = p;
    if (p.suspect) ({ decoded, failure } = await this.verifyAndDecode(p.raw, source));
    if (failure !== undefined || decoded === undefined) {
      return { kind: 'undecodable', error: failure ?? new DecodeError('invalid-json', 'entry could not be decoded') };
    }
    return this.run(this.admit(p.raw, decoded), source, attempt);
  }

  private async verifyAndDecode(
    raw: RawEntry,
    source: SourceKind,
  ): Promise<{ decoded?: DecodedEntry; failure?: DecodeError }> {
    const bytes = await this.deps.rawFields(source, raw[0]);
    if (bytes !== null) {
      for (let i = 0; i < bytes.length; i++) {
        if (!isUtf8(bytes[i] as Buffer)) {
          const what = i % 2 === 0 ? 'a field name' : `field "${bytes[i - 1]?.toString('utf8') ?? ''}"`;
          return { failure: new DecodeError('invalid-utf8', `${what} is not valid UTF-8`) };
        }
      }
    }
    try {
      return { decoded: decodeFields(raw[1], this.deps.maxMessageBytes) };
    } catch (err) {
      return { failure: asDecodeError(err) };
    }
  }

  private contextOf(id: string, decoded: DecodedEntry, source: SourceKind, attempt: number): MessageContext {
    const { channel, group, consumer, service } = this.deps;
    const { fields } = decoded;
    return {
      channel,
      id,
      group,
      consumer,
      service,
      attempt,
      source,
      fields,
      idempotencyKey: fields[IDEMPOTENCY_FIELD],
    };
  }
}

/** A prepared entry from what the contract said of it. */
function preparedFrom(raw: RawEntry, decoded: DecodedEntry, admitted: Admitted): Prepared {
  if (admitted === IGNORED) return { raw, decoded, suspect: false, ignored: true };
  if (admitted instanceof DecodeError) return { raw, failure: admitted, suspect: false };
  return { raw, decoded: admitted, suspect: false };
}

function outcomeOf(name: string, failures: readonly HandlerFailure[], context: MessageContext): Outcome {
  if (failures.length === 0) return HANDLED;
  const error = handlerError(failures);
  return { kind: 'failed', name, errors: error.errors, error, context };
}

function asDecodeError(err: unknown): DecodeError {
  return err instanceof DecodeError ? err : new DecodeError('invalid-json', toError(err).message, { cause: err });
}

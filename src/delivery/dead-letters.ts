/**
 * Dead letters: moving an entry to its channel's dead-letter stream (`{channel}:dlq`, in the
 * channel's cluster slot), and the API to list, replay and purge them.
 */
import type { RawEntry, RedisPort } from '../connection/port.js';
import type { DeadLetterEvent } from '../events.js';
import { BODY_FIELD, NAME_FIELD, parseBody } from '../message.js';
import { deadLetterKey, retryKey } from '../naming.js';
import { checkListOptions, type ListOptions } from '../options.js';
import { scripts } from '../scripts/index.js';
import type { DeadLetterReason } from '../events.js';

/** What to dead-letter. */
export interface DeadLetterRequest {
  readonly channel: string;
  readonly group: string;
  readonly consumer: string;
  readonly id: string;
  /** The entry's fields as read (used only if the entry is gone from the stream). */
  readonly fields: readonly string[];
  readonly reason: DeadLetterReason;
  readonly error: unknown;
  readonly attempts: number;
  /** Acknowledge the entry in the group in the same step (false when read with NOACK). */
  readonly ack: boolean;
}

/**
 * Moves one entry to the dead-letter stream, atomically with its acknowledgement. Resolves to
 * undefined when, with `ack`, the entry is no longer pending for this consumer (taken over, or
 * already moved by an earlier identical call): nothing was written.
 */
export async function moveToDeadLetters(port: RedisPort, req: DeadLetterRequest): Promise<DeadLetterEvent | undefined> {
  const dlq = deadLetterKey(req.channel);
  const { message, stack } = describeError(req.error);
  const deadLetterId = (await port.runScript(
    scripts.deadLetter,
    [req.channel, dlq, retryKey(req.channel, req.group)],
    [
      req.group,
      req.id,
      req.channel,
      req.consumer,
      req.reason,
      message,
      stack,
      req.attempts,
      req.ack ? '1' : '0',
      ...req.fields,
    ],
  )) as string | null;
  if (deadLetterId === null) return undefined;
  return {
    channel: req.channel,
    id: req.id,
    group: req.group,
    reason: req.reason,
    error: message,
    attempts: req.attempts,
    deadLetterStream: dlq,
    deadLetterId,
  };
}

function describeError(error: unknown): { message: string; stack: string } {
  if (error instanceof Error) return { message: error.message, stack: error.stack ?? '' };
  return { message: String(error), stack: '' };
}

/** One record of a dead-letter stream. */
export interface DeadLetter {
  /** The record's id in the dead-letter stream (use it to replay or purge). */
  readonly deadLetterId: string;
  /** The original entry id in the channel. */
  readonly id: string;
  /** The channel it came from. */
  readonly channel: string;
  /** The group that gave up on it. */
  readonly group: string;
  /** The consumer that moved it. */
  readonly consumer: string;
  /** Why. */
  readonly reason: DeadLetterReason;
  /** The error message (handler errors joined with `; `). */
  readonly error: string;
  /** The first error's stack, '' when none. */
  readonly stack: string;
  /** Attempts made. */
  readonly attempts: number;
  /** Server time (ms) of the first failure. */
  readonly firstFailureMs: number;
  /** Server time (ms) of the last failure. */
  readonly lastFailureMs: number;
  /** The original event name, when there was one. */
  readonly name: string | undefined;
  /** The original body parsed as JSON, when it parses; otherwise the raw text (or undefined). */
  readonly body: unknown;
  /** Every original field (name, body and metadata) as text. */
  readonly fields: Readonly<Record<string, string>>;
}

/** Replay outcome. */
export interface ReplayResult {
  /** How many were re-published. */
  readonly replayed: number;
  /** New entry ids in the channel, in the order replayed. */
  readonly ids: readonly string[];
  /** Requested dead-letter ids that did not exist. */
  readonly missing: readonly string[];
}

const PAGE = 100;

/**
 * The dead-letter stream of one channel: list, replay and purge. Replay re-publishes to the channel
 * and removes from the dead-letter stream in one atomic step (a Lua script over two keys of one
 * slot), so a crash can neither lose a dead letter nor publish it twice.
 */
export class DeadLetterQueue {
  /** The channel. */
  readonly channel: string;
  /** The dead-letter stream key. */
  readonly key: string;
  private readonly port: () => Promise<RedisPort>;

  /**
   * Usually obtained with `streamer.deadLetters(channel)`.
   * @param channel the channel whose dead letters these are.
   * @param port the connection to use (the streamer's shared one).
   */
  constructor(channel: string, port: () => Promise<RedisPort>) {
    this.channel = channel;
    this.key = deadLetterKey(channel);
    this.port = port;
  }

  /**
   * Dead letters in id order.
   * @param options.count at most this many. @default 100
   * @param options.start first dead-letter id to include; prefix with `(` to exclude it. @default '-'
   */
  async list(options: ListOptions = {}): Promise<DeadLetter[]> {
    const { start, count } = checkListOptions(options);
    const port = await this.port();
    const entries = await port.xrange(this.key, start ?? '-', '+', count ?? PAGE);
    return entries.map(parseDeadLetter);
  }

  /** How many dead letters there are. */
  async size(): Promise<number> {
    return (await this.port()).xlen(this.key);
  }

  /**
   * Re-publishes dead letters to the channel (with their original fields, plus `rs-replay-of` and
   * `rs-replay-group` so that only the group that failed handles them again) and removes them.
   * @param ids dead-letter ids, or `'all'`.
   */
  async replay(ids: readonly string[] | 'all'): Promise<ReplayResult> {
    const port = await this.port();
    const newIds: string[] = [];
    const missing: string[] = [];
    const run = async (batch: readonly string[]): Promise<void> => {
      const out = (await port.runScript(scripts.dlqReplay, [this.key, this.channel], batch)) as Array<string | null>;
      out.forEach((id, i) => (id === null || id === undefined ? missing.push(batch[i] as string) : newIds.push(id)));
    };
    if (ids === 'all') {
      // Up to the last dead letter now: entries that fail again while this runs are not replayed
      // again in the same call.
      const last = (await port.xrevrangeLast(this.key)) ?? undefined;
      for (let start = '-'; last !== undefined;) {
        const page = await port.xrange(this.key, start, last, PAGE);
        if (page.length === 0) break;
        await run(page.map((e) => e[0]));
        start = `(${(page[page.length - 1] as RawEntry)[0]}`;
      }
    } else {
      for (let i = 0; i < ids.length; i += PAGE) await run(ids.slice(i, i + PAGE));
    }
    return { replayed: newIds.length, ids: newIds, missing };
  }

  /**
   * Deletes dead letters for good.
   * @param ids dead-letter ids, or `'all'`.
   * @returns how many were deleted.
   */
  async purge(ids: readonly string[] | 'all'): Promise<number> {
    const port = await this.port();
    if (ids === 'all') return port.xtrimAll(this.key);
    return port.xdel(this.key, ids);
  }
}

/** Decodes a dead-letter stream entry. */
export function parseDeadLetter(entry: RawEntry): DeadLetter {
  const [deadLetterId, raw] = entry;
  const meta: Record<string, string> = {};
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i] as string;
    const value = raw[i + 1] as string;
    if (key.startsWith('dlq-')) meta[key.slice(4)] = value;
    else fields[key] = value;
  }
  let body: unknown = fields[BODY_FIELD];
  if (typeof body === 'string') {
    try {
      body = parseBody(body);
    } catch {
      // keep the raw text
    }
  }
  return {
    deadLetterId,
    id: meta['id'] ?? '',
    channel: meta['channel'] ?? '',
    group: meta['group'] ?? '',
    consumer: meta['consumer'] ?? '',
    reason: (meta['reason'] ?? 'handler-failed') as DeadLetterReason,
    error: meta['error'] ?? '',
    stack: meta['stack'] ?? '',
    attempts: Number(meta['attempts'] ?? 0),
    firstFailureMs: Number(meta['first-failure-ms'] ?? 0),
    lastFailureMs: Number(meta['last-failure-ms'] ?? 0),
    name: fields[NAME_FIELD],
    body,
    fields,
  };
}

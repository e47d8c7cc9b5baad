/**
 * A channel's dead-letter stream (`{channel}:dlq`, in the channel's cluster slot) as an API: list,
 * replay to the group that failed, purge.
 */
import { checkDeadLetterIds, checkFunction } from '../arguments.js';
import { showOnly } from '../connection/safe-inspect.js';
import type { RawEntry, RedisPort } from '../connection/port.js';
import type { DeadLetterReason } from '../events.js';
import { BODY_FIELD, NAME_FIELD, parseBody } from '../message.js';
import { deadLetterKey, replayKey } from '../naming.js';
import type { DeadLetterListOptions } from '../options.js';
import { checkChannel, checkListOptions } from '../resolve-options.js';
import { scripts } from '../scripts/index.js';

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
  /** How many were replayed. */
  readonly replayed: number;
  /** New entry ids in the groups' replay streams, in the order replayed. */
  readonly ids: readonly string[];
  /** Requested dead-letter ids that did not exist. */
  readonly missing: readonly string[];
}

const PAGE = 100;

/**
 * The dead-letter stream of one channel: list, replay and purge. Replay re-publishes to the channel
 * and removes from the dead-letter stream in one atomic step (a Lua script over two keys of one
 * slot), so a crash can neither lose a dead letter nor publish it twice. Get one with
 * `streamer.deadLetters(channel)` or `inspector.deadLetters(channel)`.
 */
export class DeadLetterQueue {
  /** The channel. */
  readonly channel: string;
  /** The dead-letter stream key. */
  readonly key: string;
  private readonly port: () => Promise<RedisPort>;

  /** Not for applications: `streamer.deadLetters(channel)` and `inspector.deadLetters(channel)` make queues. */
  private constructor(channel: string, port: () => Promise<RedisPort>) {
    this.channel = channel;
    this.key = deadLetterKey(channel);
    this.port = port;
    showOnly(this, 'DeadLetterQueue', () => ({ channel, key: this.key }));
  }

  /**
   * The queue of a channel over the caller's connection (the streamer's or the inspector's shared
   * one). Internal: not in the published declarations, where the constructor is private.
   * @param channel the channel whose dead letters these are.
   * @param port the connection to use.
   * @throws ConfigError when the channel is not a non-empty string or `port` not a function.
   * @internal
   */
  static create(channel: string, port: () => Promise<RedisPort>): DeadLetterQueue {
    checkChannel(channel, 'DeadLetterQueue.create()');
    checkFunction('DeadLetterQueue.create()', 'port (second argument)', port, '() => Promise<connection>');
    return new DeadLetterQueue(channel, port);
  }

  /**
   * Dead letters in id order.
   * @param options.count at most this many. @default 100
   * @param options.start first dead-letter id to include; prefix with `(` to exclude it. @default '-'
   */
  async list(options: DeadLetterListOptions = {}): Promise<DeadLetter[]> {
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
   * Replays dead letters to the group that failed them, and only to it: each goes to that group's
   * replay stream, which its consumers (of this library) read besides the channel, and leaves the
   * dead-letter stream, in one atomic step. Nothing is appended to the channel, so other groups
   * (dtpyfw's among them) never see a replay. The replayed entry carries its original fields and
   * `rs-replay-of` (the original entry id).
   * @param ids dead-letter ids (as {@link list} gives them), or `'all'`.
   * @throws ConfigError (a rejection, before anything is sent) when `ids` is neither.
   */
  async replay(ids: readonly string[] | 'all'): Promise<ReplayResult> {
    checkDeadLetterIds('deadLetters().replay()', 'first', ids);
    const port = await this.port();
    const replayed = new Map<string, string>();
    const missing: string[] = [];
    const wanted = ids === 'all' ? undefined : new Set(ids);
    const found = new Set<string>();
    // Up to the last dead letter now: entries that fail again while this runs are not replayed
    // again in the same call.
    const last = await port.xrevrangeLast(this.key);
    for (let start = '-'; last !== null;) {
      const page = await port.xrange(this.key, start, last, PAGE);
      if (page.length === 0) break;
      const byGroup = new Map<string, string[]>();
      for (const [id, fields] of page) {
        if (wanted !== undefined && !wanted.has(id)) continue;
        found.add(id);
        const group = fieldOf(fields, 'dlq-group') ?? '';
        byGroup.set(group, [...(byGroup.get(group) ?? []), id]);
      }
      for (const [group, batch] of byGroup) {
        const out = await scripts.dlqReplay.run(port, [this.key, replayKey(this.channel, group)], [group, ...batch]);
        out.forEach((newId, i) => {
          const id = batch[i] as string;
          if (newId === null) missing.push(id);
          else replayed.set(id, newId);
        });
      }
      if (wanted !== undefined && found.size === wanted.size) break;
      start = `(${(page[page.length - 1] as RawEntry)[0]}`;
    }
    if (wanted !== undefined) for (const id of wanted) if (!found.has(id)) missing.push(id);
    const order = ids === 'all' ? [...replayed.keys()] : ids.filter((id) => replayed.has(id));
    const newIds = order.map((id) => replayed.get(id) as string);
    return { replayed: newIds.length, ids: newIds, missing };
  }

  /**
   * Deletes dead letters for good.
   * @param ids dead-letter ids (as {@link list} gives them), or `'all'` (the stream key is removed).
   * @returns how many were deleted.
   * @throws ConfigError (a rejection, before anything is sent) when `ids` is neither.
   */
  async purge(ids: readonly string[] | 'all'): Promise<number> {
    checkDeadLetterIds('deadLetters().purge()', 'first', ids);
    const port = await this.port();
    if (ids === 'all') return port.deleteStream(this.key);
    return port.xdel(this.key, ids);
  }
}

function fieldOf(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** Every reason, as a record so that a reason added to the type must be added here (tsc says so). */
const KNOWN_REASONS: Record<DeadLetterReason, true> = {
  'missing-name': true,
  'missing-body': true,
  'invalid-json': true,
  'invalid-utf8': true,
  'too-large': true,
  schema: true,
  'unknown-event': true,
  'handler-failed': true,
  unrecoverable: true,
  'max-attempts': true,
};
const REASONS: ReadonlySet<string> = new Set(Object.keys(KNOWN_REASONS));

function isReason(value: string | undefined): value is DeadLetterReason {
  return value !== undefined && REASONS.has(value);
}

/** The recorded reason; a record written by another tool without a known one reads as a handler failure. */
function reasonOf(value: string | undefined): DeadLetterReason {
  return isReason(value) ? value : 'handler-failed';
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
    reason: reasonOf(meta['reason']),
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

/**
 * Publishing claimed rows: one `sendMessages` per channel (the channels at once), each row with its
 * idempotency key (its own, or `outbox:<table>:<id>`), so publishing a row again after a crash
 * resolves to the entry it became the first time. What happened to each row is sorted into:
 *
 * - published: appended (or already there under its key), with its entry id;
 * - failed: refused for a reason of its own (a body or size the streamer refuses, a channel Redis
 *   refuses): counted against the row, which is dead after `maxAttempts`;
 * - left: not published because of the relay's trouble (Redis unreachable, in doubt, the streamer
 *   closed): the row stays as it is and the relay backs off.
 *
 * A batch refused before anything was sent (one bad body refuses its whole `sendMessages` call) is
 * sent again one row at a time, so one bad row does not hold back its channel.
 */
import {
  ClosedError,
  ConfigError,
  InvalidMessageError,
  MessageTooLargeError,
  PartialPublishError,
  PublishError,
  RedisCommandError,
  RedisStreamerError,
  type KeyedMessage,
} from '../index.js';
import type { OutboxPublisher } from './relay-options.js';
import type { ClaimedRow } from './relay-sql.js';
import { derivedKey, type OutboxTable } from './table.js';

/** What became of a round's rows. */
export interface PublishOutcome {
  readonly published: { id: string; entryId: string }[];
  readonly failed: { row: ClaimedRow; error: unknown }[];
  /** The relay's trouble that left rows unpublished (the first one met), if any. */
  trouble: unknown;
  /** Whether the streamer was cleaned up. */
  closed: boolean;
}

/** Redis refusals that pass by themselves: the relay's trouble, not the row's. */
const PASSING = new Set(['OOM', 'LOADING', 'TRYAGAIN', 'CLUSTERDOWN', 'MASTERDOWN', 'READONLY', 'BUSY', 'NOREPLICAS']);

/** Whether an error is the row's own (counted against it) rather than the relay's trouble. */
export function isRowFailure(err: unknown): boolean {
  if (err instanceof InvalidMessageError || err instanceof MessageTooLargeError || err instanceof ConfigError) {
    return true;
  }
  const cause = err instanceof PublishError ? err.cause : err;
  return cause instanceof RedisCommandError && !PASSING.has(cause.redisCode);
}

/** Publishes the rows, grouped by channel in claim order, and sorts out what happened. */
export async function publishRows(
  streamer: OutboxPublisher,
  table: OutboxTable,
  rows: readonly ClaimedRow[],
): Promise<PublishOutcome> {
  const byChannel = new Map<string, ClaimedRow[]>();
  for (const row of rows) {
    const list = byChannel.get(row.channel);
    if (list === undefined) byChannel.set(row.channel, [row]);
    else list.push(row);
  }
  const outcome: PublishOutcome = { published: [], failed: [], trouble: undefined, closed: false };
  await Promise.all(
    [...byChannel].map(([channel, list]) => publishChannel(streamer, table, channel, list, outcome, true)),
  );
  return outcome;
}

async function publishChannel(
  streamer: OutboxPublisher,
  table: OutboxTable,
  channel: string,
  rows: readonly ClaimedRow[],
  outcome: PublishOutcome,
  whole: boolean,
): Promise<void> {
  let ids: string[];
  try {
    ids = await streamer.sendMessages(channel, rows.map(toMessage(table)));
  } catch (err) {
    if (err instanceof PartialPublishError) {
      // The first ones were appended; the rest are left or failed as a whole.
      err.publishedIds.forEach((entryId, i) => outcome.published.push({ id: (rows[i] as ClaimedRow).id, entryId }));
      return settleRest(channel, rows.slice(err.publishedIds.length), err, outcome);
    }
    if (whole && rows.length > 1 && (err instanceof InvalidMessageError || err instanceof MessageTooLargeError)) {
      // Nothing was sent: find the bad rows, one at a time, in order.
      for (const row of rows) await publishChannel(streamer, table, channel, [row], outcome, false);
      return;
    }
    return settleRest(channel, rows, err, outcome);
  }
  ids.forEach((entryId, i) => outcome.published.push({ id: (rows[i] as ClaimedRow).id, entryId }));
}

function settleRest(channel: string, rows: readonly ClaimedRow[], err: unknown, outcome: PublishOutcome): void {
  if (rows.length === 0) return;
  if (isRowFailure(err)) {
    for (const row of rows) outcome.failed.push({ row, error: err });
    return;
  }
  if (err instanceof ClosedError) outcome.closed = true;
  // A publisher that is not the library's may throw anything: the relay reports library errors only.
  outcome.trouble ??= err instanceof RedisStreamerError ? err : new PublishError(channel, err);
}

/** A row as the message published: its body parsed (its JSON was checked at enqueue), its key. */
function toMessage(table: OutboxTable): (row: ClaimedRow) => KeyedMessage {
  return (row) => {
    let body: unknown;
    try {
      body = JSON.parse(row.body);
    } catch (err) {
      throw new InvalidMessageError(`outbox row ${row.id} holds a body that is not JSON`, { cause: err });
    }
    return { name: row.name, body, idempotencyKey: row.key ?? derivedKey(table, row.id) };
  };
}

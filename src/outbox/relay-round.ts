/**
 * One relay round, in one transaction on one connection: claim due rows (`FOR UPDATE SKIP LOCKED`),
 * publish them, mark what was published and record what failed, commit. Round trips: one to claim,
 * one `sendMessages` per channel (at once), one to mark and commit; an idle round is a claim and a
 * COMMIT.
 *
 * Exactly once: a row is marked in the same transaction that claimed it. If this process dies (or
 * the database connection drops) between the append and the COMMIT, the transaction rolls back and
 * the row is claimed again; publishing it again with the same idempotency key appends nothing and
 * resolves to the entry of the first publish, which is then the id marked.
 */
import { databaseError, resultsOf, type OutboxPool, type OutboxPoolClient } from './db.js';
import { publishRows, type PublishOutcome } from './publish-rows.js';
import type { ResolvedRelayOptions } from './relay-options.js';
import { claimedRows, claimSql, settleSql, type ClaimedRow, type RowFailure } from './relay-sql.js';

/** What a round did. */
export interface RoundResult {
  /** The rows it claimed. */
  readonly claimed: readonly ClaimedRow[];
  /** Rows marked published. */
  readonly published: number;
  /** Row failures recorded, and which of them made their row dead. */
  readonly failed: readonly RowFailure[];
  /** The relay's trouble that left rows unpublished, if any (back off). */
  readonly trouble: unknown;
  /** Whether the streamer was cleaned up (stop). */
  readonly closed: boolean;
}

/** Runs one round. Rejects with a DatabaseError when the database fails (nothing is then marked). */
export async function runRound(options: ResolvedRelayOptions): Promise<RoundResult> {
  const { db, table } = options;
  const client = await checkOut(db);
  let lost: unknown;
  const onError = (err: unknown): void => void (lost ??= err);
  client.on('error', onError);
  let healthy = false;
  try {
    const claim = claimSql(table, options.batchSize, options.channels);
    const rows = claimedRows(lastRows(await run(client, claim, 'claiming outbox rows', lost)));
    if (rows.length === 0) {
      await run(client, 'COMMIT', 'ending an empty outbox round', lost);
      healthy = true;
      return { claimed: rows, published: 0, failed: [], trouble: undefined, closed: false };
    }
    const outcome = await publishRows(options.streamer, table, rows);
    const failed = failures(outcome, options);
    const settle = settleSql(table, outcome.published, failed);
    await run(client, settle, 'marking outbox rows published', lost);
    healthy = true;
    const { trouble, closed } = outcome;
    return { claimed: rows, published: outcome.published.length, failed, trouble, closed };
  } finally {
    client.removeListener('error', onError);
    if (!healthy) client.on('error', () => {}); // it is being closed: a late error must not crash
    // A connection that failed mid-transaction is closed rather than pooled: its transaction ends.
    client.release(!healthy);
  }
}

async function checkOut(db: OutboxPool): Promise<OutboxPoolClient> {
  try {
    return await db.connect();
  } catch (err) {
    throw databaseError('connecting to the database for an outbox round', err);
  }
}

async function run(client: OutboxPoolClient, text: string, what: string, lost: unknown): Promise<unknown> {
  if (lost !== undefined) throw databaseError(what, lost);
  try {
    return await client.query(text);
  } catch (err) {
    throw databaseError(what, err);
  }
}

function lastRows(reply: unknown): readonly Record<string, unknown>[] {
  const results = resultsOf(reply, 'claiming outbox rows');
  return results[results.length - 1]?.rows ?? [];
}

/** The failures to record: the error's text, when to retry (doubling, capped), and whether it is the last. */
function failures(outcome: PublishOutcome, options: ResolvedRelayOptions): RowFailure[] {
  return outcome.failed.map(({ row, error }) => {
    const attempt = row.attempts + 1;
    const ceiling = Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** Math.min(attempt - 1, 40));
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      id: row.id,
      error: message.slice(0, 2000),
      retryInMs: ceiling * (0.5 + Math.random() / 2),
      dead: attempt >= options.maxAttempts,
    };
  });
}

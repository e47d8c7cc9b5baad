/**
 * One relay round, in one transaction on one connection: claim due rows (`FOR UPDATE SKIP LOCKED`),
 * publish them, mark what was published and record what failed, commit. Round trips: one to claim,
 * one `sendMessages` per channel (at once), one to mark and commit; an idle round is a claim and a
 * COMMIT. The relay runs the stages of consecutive rounds side by side (relay.ts); a round's own
 * stages run in order.
 *
 * Exactly once: a row is marked in the same transaction that claimed it. If this process dies (or
 * the database connection drops) between the append and the COMMIT, the transaction rolls back and
 * the row is claimed again; publishing it again with the same idempotency key appends nothing and
 * resolves to the entry of the first publish, which is then the id marked.
 */
import { databaseError, resultsOf, type OutboxPool, type OutboxPoolClient } from './db.js';
import type { PublishOutcome } from './publish-rows.js';
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

/** A round whose rows are claimed: its transaction is open until `settle` or `abandon`. */
export interface ClaimedRound {
  /** The claimed rows, in id order (none: the transaction is already over). */
  readonly rows: readonly ClaimedRow[];
  /** Marks what was published, records the failures, commits. Rejects with a DatabaseError. */
  settle(outcome: PublishOutcome): Promise<RoundResult>;
  /** Ends the transaction without marking anything: the rows go back to be claimed again. */
  abandon(): Promise<void>;
}

/** Claims a round's rows. Rejects with a DatabaseError when the database fails (nothing is then claimed). */
export async function claimRound(options: ResolvedRelayOptions): Promise<ClaimedRound> {
  const { db, table } = options;
  const client = await checkOut(db);
  let lost: unknown;
  const onError = (err: unknown): void => void (lost ??= err);
  client.on('error', onError);
  const run = async (text: string, what: string): Promise<unknown> => {
    if (lost !== undefined) throw databaseError(what, lost);
    try {
      return await client.query(text);
    } catch (err) {
      throw databaseError(what, err);
    }
  };
  const finish = async (text: string, what: string): Promise<void> => {
    let healthy = false;
    try {
      await run(text, what);
      healthy = true;
    } finally {
      release(client, onError, healthy);
    }
  };
  let rows: ClaimedRow[];
  try {
    rows = claimedRows(
      lastRows(await run(claimSql(table, options.batchSize, options.channels), 'claiming outbox rows')),
    );
  } catch (err) {
    release(client, onError, false);
    throw err;
  }
  if (rows.length === 0) {
    await finish('COMMIT', 'ending an empty outbox round');
    return {
      rows,
      settle: () => Promise.reject(new Error('an empty round has nothing to settle')),
      abandon: async () => {},
    };
  }
  return {
    rows,
    async settle(outcome) {
      const failed = failures(outcome, options);
      await finish(settleSql(table, outcome.published, failed), 'marking outbox rows published');
      const { trouble, closed } = outcome;
      return { claimed: rows, published: outcome.published.length, failed, trouble, closed };
    },
    abandon: () => finish('ROLLBACK', 'giving back claimed outbox rows'),
  };
}

/** Gives the connection back; one that failed mid-transaction is closed rather than pooled (its transaction ends). */
function release(client: OutboxPoolClient, onError: (err: unknown) => void, healthy: boolean): void {
  client.removeListener('error', onError);
  if (!healthy) client.on('error', () => {}); // it is being closed: a late error must not crash
  client.release(!healthy);
}

async function checkOut(db: OutboxPool): Promise<OutboxPoolClient> {
  try {
    return await db.connect();
  } catch (err) {
    throw databaseError('connecting to the database for an outbox round', err);
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

/**
 * Replaying many dead letters in batches, with progress: each batch is one `replay(ids)` of the
 * dead-letter queue (atomic per group, as ever), so an operator sees how far a long replay got, and
 * an interrupted one has replayed whole batches only. Replaying everything stops at the last dead
 * letter there was when it started: entries that fail again meanwhile are not replayed twice.
 */
import { compareIds } from '../delivery/ids.js';
import type { DeadLetterQueue, ReplayResult } from '../delivery/dead-letters.js';

/** How far a replay got. */
export interface ReplayProgress {
  /** Dead letters handled so far (replayed or found missing). */
  readonly done: number;
  /** Dead letters to handle (for `'all'`: the size of the dead-letter stream when it started). */
  readonly total: number;
  /** Replayed so far. */
  readonly replayed: number;
}

/** Options of `inspector.replayDeadLetters(channel, ids, options)`. */
export interface ReplayOptions {
  /**
   * Dead letters per batch (at most 10000).
   * @default 100
   */
  readonly batchSize?: number;
  /**
   * Called after each batch.
   * @default undefined
   */
  readonly onProgress?: (progress: ReplayProgress) => void;
}

/**
 * Replays `ids` (or all dead letters up to `lastId`, the last one now) in batches. The arguments
 * are checked already (by `inspector.replayDeadLetters()`, at the call).
 */
export async function replayInBatches(
  queue: DeadLetterQueue,
  ids: readonly string[] | 'all',
  lastId: () => Promise<string | null>,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const batchSize = options.batchSize ?? 100;
  const batches = ids === 'all' ? await pagesUpTo(queue, lastId, batchSize) : chunks([...new Set(ids)], batchSize);
  const total = ids === 'all' ? await queue.size() : new Set(ids).size;
  const replayedIds: string[] = [];
  const missing: string[] = [];
  let done = 0;
  for await (const batch of batches) {
    const result = await queue.replay(batch);
    replayedIds.push(...result.ids);
    missing.push(...result.missing);
    done += batch.length;
    options.onProgress?.({ done, total: Math.max(total, done), replayed: replayedIds.length });
  }
  return { replayed: replayedIds.length, ids: replayedIds, missing };
}

function* chunks(ids: readonly string[], size: number): Generator<string[]> {
  for (let i = 0; i < ids.length; i += size) yield ids.slice(i, i + size);
}

/** Pages of dead-letter ids, in order, up to the last one there is now. */
async function pagesUpTo(
  queue: DeadLetterQueue,
  lastId: () => Promise<string | null>,
  size: number,
): Promise<AsyncGenerator<string[]>> {
  const last = await lastId();
  async function* pages(): AsyncGenerator<string[]> {
    if (last === null) return;
    let start = '-';
    for (;;) {
      const page = (await queue.list({ start, count: size }))
        .map((d) => d.deadLetterId)
        .filter((id) => compareIds(id, last) <= 0);
      if (page.length === 0) return;
      yield page;
      start = `(${page[page.length - 1] as string}`;
    }
  }
  return pages();
}

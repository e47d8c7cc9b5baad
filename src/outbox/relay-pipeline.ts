/**
 * The relay's rounds, side by side where order allows. While a full batch is published, the next
 * batch is claimed on another connection (SKIP LOCKED leaves it the rows after this one's); while a
 * batch is published, the previous one's marks commit. A batch is published only once the one
 * before it was, so a channel's rows reach Redis in claim order; when a batch meets trouble (Redis
 * or the database), the batch claimed after it is given back unpublished, so nothing overtakes the
 * rows left behind. Each row is still marked in the transaction that claimed it (relay-round.ts):
 * the overlap changes when work happens, not what is committed with what.
 */
import { publishRows, type PublishOutcome } from './publish-rows.js';
import type { ResolvedRelayOptions } from './relay-options.js';
import type { RelayReports } from './relay-reports.js';
import { claimRound, type ClaimedRound } from './relay-round.js';

/**
 * What a step did: published a full batch (go on at once), a partial one or none (wait for a
 * NOTIFY or the poll), met trouble (back off), or found its streamer cleaned up (stop).
 */
export type Step = 'full' | 'partial' | 'idle' | 'trouble' | 'closed';

/** Runs the relay's rounds, one step at a time. */
export class RoundPipeline {
  /** A batch claimed ahead, while the one before it was published. */
  private next: Promise<ClaimedRound> | undefined;
  /** The previous batch's marks: true once committed, false if they failed. */
  private settling: Promise<boolean> = Promise.resolve(true);

  constructor(
    private readonly options: ResolvedRelayOptions,
    private readonly reports: RelayReports,
  ) {}

  /** Claims (or takes the batch claimed ahead), publishes, and starts committing the marks. */
  async step(mayClaimAhead: () => boolean): Promise<Step> {
    let round: ClaimedRound;
    try {
      round = await (this.next ?? claimRound(this.options));
    } catch (err) {
      this.next = undefined;
      this.reports.error(err);
      return 'trouble';
    }
    this.next = undefined;
    if (round.rows.length === 0) return 'idle';
    const full = round.rows.length >= this.options.batchSize;
    const publishing = publishRows(this.options.streamer, this.options.table, round.rows);
    if (full && mayClaimAhead()) this.claimAhead();
    const outcome = await publishing;
    const previousCommitted = await this.settling;
    this.settling = this.settle(round, outcome);
    if (outcome.closed || outcome.trouble !== undefined || !previousCommitted) {
      await this.drain();
      if (outcome.closed) return 'closed';
      if (outcome.trouble !== undefined) this.reports.error(outcome.trouble);
      return 'trouble';
    }
    return full ? 'full' : 'partial';
  }

  /** Waits for the marks in flight, and gives back a batch claimed ahead (unpublished). */
  async drain(): Promise<void> {
    await this.settling;
    const next = this.next;
    this.next = undefined;
    if (next === undefined) return;
    try {
      await (await next).abandon();
    } catch (err) {
      this.reports.error(err);
    }
  }

  private claimAhead(): void {
    const next = claimRound(this.options);
    next.catch(() => {}); // its failure is met (and reported) when the next step awaits it
    this.next = next;
  }

  private settle(round: ClaimedRound, outcome: PublishOutcome): Promise<boolean> {
    return round.settle(outcome).then(
      (result) => {
        this.reports.round(result);
        return true;
      },
      (err: unknown) => {
        this.reports.error(err);
        return false;
      },
    );
  }
}

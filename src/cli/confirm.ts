/**
 * Confirmation before a command that changes data (`dlq replay`, `dlq purge`): asked on a terminal
 * unless `--yes`; without a terminal (a script, a pipe) and without `--yes`, the command is refused
 * (exit 2) rather than run unasked.
 */
import { createInterface } from 'node:readline/promises';
import { CommandFailure, UsageError } from './errors.js';
import type { Io } from './output.js';

/**
 * Goes on when `yes`, or when the user answers y/yes on the terminal; throws a {@link UsageError}
 * without a terminal, a {@link CommandFailure} when the user declines.
 * @param action what is about to happen, for the refusal message (`replay 3 dead letters of orders`).
 */
export async function confirm(io: Io, yes: boolean, action: string): Promise<void> {
  if (yes) return;
  if (io.stdin.isTTY !== true) {
    throw new UsageError(`refusing to ${action} without confirmation: stdin is not a terminal; pass --yes to confirm`);
  }
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
  try {
    const answer = await rl.question(`${action[0]?.toUpperCase() ?? ''}${action.slice(1)}? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CommandFailure(`cancelled: did not ${action}`);
  } finally {
    rl.close();
  }
}

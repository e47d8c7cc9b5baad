/**
 * Durations on the command line: `7d`, `12h`, `30m`, `45s`, `500ms`, `2w`, or several together
 * (`1h30m`). A number without a unit is refused: `7` could mean anything.
 */
import { InvalidArgumentError } from 'commander';

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;

/**
 * Parses a duration into whole milliseconds. Throws a commander `InvalidArgumentError` (a usage
 * error, exit 2) for anything else, such as `7`, `7x`, `-1h` or `0s`.
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '') throw new InvalidArgumentError('a duration is needed, such as 7d, 12h, 30m, 45s or 500ms');
  PART.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let match = PART.exec(trimmed); match !== null; match = PART.exec(trimmed)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    end = PART.lastIndex;
  }
  if (end !== trimmed.length || end === 0) {
    throw new InvalidArgumentError(
      `"${text}" is not a duration: use a number and a unit (ms, s, m, h, d, w), such as 7d, 12h, 30m or 1h30m`,
    );
  }
  const ms = Math.round(total);
  if (ms < 1) throw new InvalidArgumentError(`"${text}" is not a positive duration`);
  if (!Number.isSafeInteger(ms)) throw new InvalidArgumentError(`"${text}" is too long a duration`);
  return ms;
}

/** A short human form: `850ms`, `12s`, `3m 5s`, `2h 10m`, `3d 4h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const value = Math.max(0, Math.round(ms));
  if (value < 1000) return `${value}ms`;
  const seconds = Math.floor(value / 1000);
  if (seconds < 60) return `${seconds}s`;
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`);
    if (parts.length === 2) break;
  }
  return parts.filter((p) => !p.startsWith('0')).join(' ');
}

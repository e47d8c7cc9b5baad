/** Whole numbers on the command line (counts, ports), refused with a usage error when invalid. */
import { InvalidArgumentError } from 'commander';

/** A whole number from `min` to `max`. */
export function parseInteger(text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`"${text}" is not a whole number from ${min} to ${max}`);
  }
  return value;
}

/** A count: 1 or more. */
export function parseCount(text: string): number {
  return parseInteger(text, 1, 1_000_000);
}

/** A TCP port: 0 (any free port) to 65535. */
export function parsePort(text: string): number {
  return parseInteger(text, 0, 65_535);
}

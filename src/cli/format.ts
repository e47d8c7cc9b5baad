/** How the human output shows times, ages and bodies. */
import { encodeBody } from '../json-body.js';
import { formatDuration } from './duration.js';

/** A server time in ms as UTC, to the millisecond: `2024-05-01 12:00:00.123Z`; `-` for null. */
export function formatTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-';
  return new Date(ms).toISOString().replace('T', ' ');
}

/** An age in ms (`3m 5s`), `-` for null. */
export function formatAge(ms: number | null): string {
  return ms === null ? '-' : formatDuration(ms);
}

/** A number, or `-` for null. */
export function formatCount(n: number | null): string {
  return n === null ? '-' : String(n);
}

/**
 * A decoded body as compact JSON, written as this library and dtpyfw write it (NaN and ±Infinity
 * as bare tokens, non-ASCII characters as they are).
 */
export function formatBody(name: string, body: unknown): string {
  try {
    return encodeBody(name, body);
  } catch {
    return String(body);
  }
}

/**
 * A logger for tests that keeps every line the library writes, so a test can assert what was logged
 * (a warning said once, its fields, no password in any line) without a logger of its own.
 */
import type { Logger } from '../../src/index.js';

/** A level of the library's Logger. */
export type Level = 'debug' | 'info' | 'warn' | 'error';

/** One line written to a recording logger, the fields as given (not copied). */
export interface LogLine {
  readonly level: Level;
  readonly fields: object;
  /** The message, '' when none was given. */
  readonly message: string;
}

/** A Logger that keeps its lines, with accessors by level. */
export interface RecordingLogger extends Logger {
  /** Every line so far, oldest first. */
  readonly lines: readonly LogLine[];
  /** The lines at `level`. */
  at(level: Level): LogLine[];
  /** The messages of the lines at `level`. */
  messages(level: Level): string[];
  /** The fields of the lines at `level`. */
  fieldsAt(level: Level): object[];
}

/** A new logger that records every call, at every level (the methods work detached too). */
export function recordingLogger(): RecordingLogger {
  const lines: LogLine[] = [];
  const keep =
    (level: Level) =>
    (fields: object, message?: string): void =>
      void lines.push({ level, fields, message: message ?? '' });
  const at = (level: Level): LogLine[] => lines.filter((line) => line.level === level);
  return {
    lines,
    debug: keep('debug'),
    info: keep('info'),
    warn: keep('warn'),
    error: keep('error'),
    at,
    messages: (level) => at(level).map((line) => line.message),
    fieldsAt: (level) => at(level).map((line) => line.fields),
  };
}

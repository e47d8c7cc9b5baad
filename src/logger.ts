/**
 * The logger the library writes to. A pino logger fits as it is; so does any object with these
 * methods. The library never chooses the application's logger: by default warnings and errors go to
 * stderr (so nothing fails silently) and everything else is dropped.
 */

/** A pino-compatible logger subset: structured fields first, then the message. */
export interface Logger {
  /** Detailed tracing (connection and loop lifecycle). */
  debug(fields: object, message?: string): void;
  /** Notable events (trims that dropped data, groups re-created). */
  info(fields: object, message?: string): void;
  /** Something went wrong and was recovered from. */
  warn(fields: object, message?: string): void;
  /** Something went wrong and needs attention. */
  error(fields: object, message?: string): void;
}

function toStderr(level: string): (fields: object, message?: string) => void {
  return (fields, message) => {
    process.stderr.write(`[redis-streamer] ${level}: ${message ?? ''} ${safeJson(fields)}\n`);
  };
}

function safeJson(value: object): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message } : v));
  } catch {
    return '';
  }
}

const noop = (): void => {};

/** The default logger: warn and error lines on stderr, nothing else. */
export const defaultLogger: Logger = Object.freeze({
  debug: noop,
  info: noop,
  warn: toStderr('warn'),
  error: toStderr('error'),
});

/** A logger that drops everything. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

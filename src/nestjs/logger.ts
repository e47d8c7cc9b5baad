/**
 * The library's logger written to Nest's: the transport's and the client's streamers log through
 * Nest's `Logger` by default, so their lines look like the application's and follow its log levels
 * (`NestFactory.create(..., { logger: [...] })`, `app.useLogger()`).
 */
import { Logger as NestLogger } from '@nestjs/common';
import type { Logger } from '../index.js';

/**
 * A logger for the library (`logger` option of the transport, the client or a `RedisStreamer`)
 * that writes to Nest's `Logger` with this context: debug to `debug`, info to `log`, warn and error
 * to theirs. The structured fields follow the message as JSON.
 * @param context the context Nest prints in brackets. @default 'RedisStreamer'
 */
export function nestLogger(context = 'RedisStreamer'): Logger {
  const nest = new NestLogger(context);
  const line = (fields: object, message: string | undefined): string => {
    const json = safeJson(fields);
    if (message === undefined || message === '') return json;
    return json === '{}' ? message : `${message} ${json}`;
  };
  return {
    debug: (fields, message) => nest.debug(line(fields, message)),
    info: (fields, message) => nest.log(line(fields, message)),
    warn: (fields, message) => nest.warn(line(fields, message)),
    error: (fields, message) => nest.error(line(fields, message)),
  };
}

function safeJson(value: object): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message } : v));
  } catch {
    return '{}';
  }
}

/**
 * What the in-memory store answers with: the values a Redis client gets for RESP2 replies (bulk
 * strings, integers, nil, arrays), and the error replies Redis gives, with the same texts (the
 * first word, such as `NOGROUP` or `WRONGTYPE`, is what callers branch on).
 */

/** A reply: a bulk or status string, an integer, nil, or an array of replies. */
export type Reply = string | number | null | Reply[];

/**
 * An error reply, as Redis words it (without the leading `-`). Like a client's reply error it has
 * no stack: it is an answer, not a fault of the code that got it (and scripts meet many, such as
 * BUSYGROUP, so capturing stacks would cost).
 */
export class ReplyError extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'ReplyError';
  }

  /** The first word of the reply (`ERR`, `NOGROUP`, `WRONGTYPE`...). */
  get code(): string {
    return /^[A-Z]+/.exec(this.message)?.[0] ?? 'ERR';
  }
}

/** The error texts Redis 7.0 uses, in one place. */
export const errors = {
  wrongType: () => new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'),
  syntax: () => new ReplyError('ERR syntax error'),
  notInteger: () => new ReplyError('ERR value is not an integer or out of range'),
  notFloat: () => new ReplyError('ERR value is not a valid float'),
  noSuchKey: () => new ReplyError('ERR no such key'),
  invalidId: () => new ReplyError('ERR Invalid stream ID specified as stream command argument'),
  arity: (command: string) => new ReplyError(`ERR wrong number of arguments for '${command.toLowerCase()}' command`),
  unknown: (command: string) => new ReplyError(`ERR unknown command '${command}', with args beginning with: `),
  unmodelled: (what: string) => new ReplyError(`ERR the in-memory store does not model ${what}`),
} as const;

/** A 64-bit integer argument (as Redis' string2ll reads it: no spaces, no leading zeros, no `+`). */
export function parseInteger(text: string, error: () => ReplyError = errors.notInteger): number {
  if (!/^-?(0|[1-9]\d*)$/.test(text) || text === '-0') throw error();
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    const big = BigInt(text);
    if (big > 9223372036854775807n || big < -9223372036854775808n) throw error();
    throw errors.unmodelled('integers beyond 2^53');
  }
  return value;
}

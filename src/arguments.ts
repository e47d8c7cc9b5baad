/**
 * Run-time checks of positional arguments (the options objects are checked in validate.ts), for
 * callers the type checker does not reach: event names and listeners, dead-letter ids, the messages
 * of a publish, functions. A wrong one is a {@link ConfigError} (an {@link InvalidMessageError}
 * for a message) whose message names the call and the argument, at the call, before anything is
 * sent to Redis. Each check runs once per call, never per entry read.
 */
import { ConfigError, InvalidMessageError } from './errors.js';
import type { EmitterCall, EmitterCheck } from './events.js';
import { describe, suggest } from './validate.js';

/** Checks `on(event, listener)` and the like against the emitter's event names. */
export function emitterCheck(events: readonly string[]): EmitterCheck {
  return (call: EmitterCall, event: unknown, ...listener: [] | [unknown]) => {
    const known = events.join(', ');
    if (typeof event !== 'string') {
      throw new ConfigError(`${call}(): the event (first argument) must be one of ${known}; got ${describe(event)}`);
    }
    if (!events.includes(event)) {
      const near = suggest(event, events);
      const hint = near === undefined ? '' : `; did you mean "${near}"?`;
      throw new ConfigError(`${call}(): unknown event ${describe(event)} (the events are ${known})${hint}`);
    }
    if (listener.length === 1)
      checkFunction(`${call}()`, 'the listener (second argument)', listener[0], '(...args) => void');
  };
}

/** Checks that a value is a function; `shape` completes "a function ...": "(message, next) => ...". */
export function checkFunction(call: string, what: string, value: unknown, shape: string): void {
  if (typeof value !== 'function')
    throw new ConfigError(`${call}: ${what} must be a function ${shape}; got ${describe(value)}`);
}

/** The largest number in a stream id's parts (64-bit unsigned). */
const MAX_ID_PART = 2n ** 64n - 1n;
const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/;

/** Whether `id` is a complete stream id (`<ms>-<seq>`, each part a 64-bit unsigned number). */
export function isStreamId(id: unknown): id is string {
  if (typeof id !== 'string') return false;
  const match = STREAM_ID.exec(id);
  return match !== null && BigInt(match[1] as string) <= MAX_ID_PART && BigInt(match[2] as string) <= MAX_ID_PART;
}

/**
 * Checks the dead-letter ids of a replay or purge (its `argument`: "first"): `'all'`, or an array
 * (without holes) of complete stream ids as `list()` gives them. A string that is not `'all'`
 * (`'ALL'`, one id) is refused rather than read character by character.
 */
export function checkDeadLetterIds(call: string, argument: string, ids: unknown): readonly string[] | 'all' {
  if (ids === 'all') return ids;
  const expected = `'all' or an array of dead-letter ids (such as ["1700000000000-0"], as list() gives them)`;
  if (typeof ids === 'string') {
    const hint =
      ids.toLowerCase() === 'all'
        ? `; did you mean 'all'?`
        : isStreamId(ids)
          ? `; did you mean [${JSON.stringify(ids)}]?`
          : '';
    throw new ConfigError(`${call}: ids (${argument} argument) must be ${expected}; got ${describe(ids)}${hint}`);
  }
  if (!Array.isArray(ids)) {
    throw new ConfigError(`${call}: ids (${argument} argument) must be ${expected}; got ${describe(ids)}`);
  }
  const list = ids as readonly unknown[];
  for (let i = 0; i < list.length; i++) {
    if (!(i in list)) throw new ConfigError(`${call}: ids[${i}] is a hole in the array; give ${expected}`);
    const id = list[i];
    if (!isStreamId(id)) {
      throw new ConfigError(
        `${call}: ids[${i}] must be a dead-letter id such as "1700000000000-0"; got ${describe(id)}`,
      );
    }
  }
  return list as readonly string[];
}

const MESSAGE = 'a Message or an object { name, body }';

/**
 * Checks one message of a publish before anything else reads it: an object with a string `name`
 * (the body is checked when it is encoded). `what` names it: "the message (second argument)",
 * "messages[3]".
 */
export function checkMessage(call: string, what: string, message: unknown): void {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    throw new InvalidMessageError(`${call}: ${what} must be ${MESSAGE}; got ${describe(message)}`);
  }
  if (!('name' in message)) {
    // A Map, or an object with another shape: the message itself is wrong, not its name.
    throw new InvalidMessageError(`${call}: ${what} must be ${MESSAGE}; got ${describe(message)} with no \`name\``);
  }
  const name = (message as { name?: unknown }).name;
  if (typeof name !== 'string') {
    throw new InvalidMessageError(`${call}: the name of ${what} must be a string; got ${describe(name)}`);
  }
}

/**
 * Checks the messages of `sendMessages`: an array (else a ConfigError) without holes, each one a
 * message (else an InvalidMessageError naming its index).
 */
export function checkMessages(call: string, messages: unknown): void {
  if (!Array.isArray(messages)) {
    throw new ConfigError(
      `${call}: messages (second argument) must be an array of ${MESSAGE}; got ${describe(messages)}`,
    );
  }
  const list = messages as readonly unknown[];
  for (let i = 0; i < list.length; i++) {
    if (!(i in list)) throw new InvalidMessageError(`${call}: messages[${i}] is a hole in the array; give ${MESSAGE}`);
    checkMessage(call, `messages[${i}]`, list[i]);
  }
}

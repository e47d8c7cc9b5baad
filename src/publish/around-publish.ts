/**
 * A publish call run inside the `aroundPublish` hooks, the first given outermost: each may add
 * fields to the messages, then calls `next()`, which runs the next hook or, after the last, the
 * publish itself. Only publishes made while such a hook is registered come here.
 *
 * The call settles as the publish did. A hook that throws before calling `next`, or returns without
 * calling it, fails the call (a HookError, or a ConfigError) and nothing is appended; a hook that
 * throws another error after calling `next` changes nothing of the outcome and is reported.
 */
import { ConfigError, HookError, toError } from '../errors.js';
import type { AroundPublish } from '../extensions.js';
import type { PublishCallEvent } from '../hooks.js';

/** Runs `publish` inside `hooks`; `ids` reads the entry ids from its result. */
export function publishAround<T>(
  hooks: readonly AroundPublish[],
  event: PublishCallEvent,
  publish: () => Promise<T>,
  ids: (result: T) => readonly string[],
  report: (err: unknown) => void,
): Promise<T> {
  const step = (i: number): Promise<T> => {
    const hook = hooks[i];
    if (hook === undefined) return attempt(publish);
    let started: Promise<T> | undefined;
    const next = (): Promise<readonly string[]> => {
      if (started !== undefined) return Promise.reject(new ConfigError('the aroundPublish hook called next() twice'));
      started = attempt(() => step(i + 1));
      const out = started.then(ids);
      out.catch(() => {}); // the hook may not await it: its rejection is the publish's, handled there
      return out;
    };
    return attempt(() => hook(event, next)).then(
      () => started ?? Promise.reject(notCalled(event.channel)),
      (err: unknown) => {
        if (started === undefined) throw new HookError('aroundPublish', err, nothingPublished(event.channel));
        return started.then(
          (result) => {
            report(new HookError('aroundPublish', err, 'the publish went through all the same'));
            return result;
          },
          (failure: unknown) => {
            if (failure !== err) report(new HookError('aroundPublish', err, 'the publish failed for its own reason'));
            throw failure;
          },
        );
      },
    );
  };
  return step(0);
}

/** Calls `f`, turning a synchronous throw into a rejection. */
function attempt<R>(f: () => Promise<R> | R): Promise<R> {
  try {
    return Promise.resolve(f());
  } catch (err) {
    return Promise.reject(toError(err));
  }
}

function nothingPublished(channel: string): string {
  return `nothing was published to "${channel}"`;
}

function notCalled(channel: string): ConfigError {
  return new ConfigError(`the aroundPublish hook did not call next(): ${nothingPublished(channel)}`);
}

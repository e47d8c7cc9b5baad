/**
 * What a streamer's user plugged into it: handler middleware and sets of hooks, in the order they
 * were given (the options' hooks, the options' middleware, then each `use()`). The publisher reads
 * the publishing hooks here on every call, the reports the dead-letter and log hooks, and each
 * channel's consume loop the handling steps when it starts. With nothing plugged in, each of them
 * finds `undefined` (or no step) and does no work per message.
 */
import { ConfigError, HookError } from './errors.js';
import type { DeadLetterEvent } from './events.js';
import type { MessageContext } from './handlers.js';
import type { PublishHookEvent, StreamerHooks } from './hooks.js';
import type { Middleware } from './middleware.js';
import { HOOK_SET } from './option-specs.js';
import { checkOptions, describe, isOptionsObject } from './validate.js';

/** A step of the handling chain: middleware, or a set of hooks (which becomes middleware per channel). */
export type HandlingStep = Middleware | StreamerHooks;

/** Every `onPublish` hook as one. */
export type OnPublish = (event: PublishHookEvent) => void;

/** One `aroundPublish` hook. */
export type AroundPublish = NonNullable<StreamerHooks['aroundPublish']>;

/** The hooks that run around each handling (the others apply at once, to publishing or reports). */
const HANDLING_HOOKS = ['aroundHandle', 'onHandled', 'onFailed'] as const;

/** The publishing hooks, as the publisher reads them on each call. */
export interface PublishHooks {
  /** Every `onPublish` hook as one, or undefined. */
  readonly onPublish: OnPublish | undefined;
  /** The `aroundPublish` hooks, the first given outermost (empty: none). */
  readonly aroundPublish: readonly AroundPublish[];
}

/** The middleware and hooks of one streamer. */
export class Extensions implements PublishHooks {
  private readonly steps: HandlingStep[];
  private readonly sets: StreamerHooks[] = [];
  onPublish: OnPublish | undefined;
  readonly aroundPublish: AroundPublish[] = [];

  /** Whether a channel has taken the handling steps (consuming started). */
  private taken = false;

  /** @param warn hears of a handling step added after consuming started. */
  constructor(
    hooks: StreamerHooks,
    middleware: readonly Middleware[],
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.steps = [hooks, ...middleware];
    this.addHooks(hooks);
  }

  /**
   * Adds middleware (a function) or a set of hooks (an object), checked: anything else, an unknown
   * hook or a set without any hook is a ConfigError naming `call`.
   */
  use(call: string, extension: unknown): void {
    if (typeof extension === 'function') {
      this.steps.push(extension as Middleware);
      this.late(call, 'middleware');
      return;
    }
    if (!isOptionsObject(extension)) {
      throw new ConfigError(
        `${call} takes a middleware function (message, next) => ... or an object of hooks ({ aroundHandle, onFailed, ... }); got ${describe(extension)}`,
      );
    }
    const hooks = checkOptions(HOOK_SET, extension);
    if (Object.keys(hooks).length === 0) throw new ConfigError(`${call}: the hooks object has no hook`);
    this.steps.push(hooks);
    this.addHooks(hooks);
    const handling = HANDLING_HOOKS.filter((h) => hooks[h] !== undefined);
    if (handling.length > 0) this.late(call, `the hooks ${handling.join(', ')}`);
  }

  /** The handling steps, outermost first (the channels that take them now keep them). */
  handling(): readonly HandlingStep[] {
    this.taken = true;
    return this.steps;
  }

  /** A handling step added while consuming: the channels consuming now do not run it. */
  private late(call: string, what: string): void {
    if (!this.taken) return;
    this.warn(
      `${call}: ${what} added after persistConsume() started: the channels being consumed now do not run them (only channels that start consuming later do); call use(), or instrument() of redis-streamer/otel, which adds its hooks with use(), before persistConsume()`,
    );
  }

  /** Calls every `onDeadLetter` hook; one that throws is handed to `report` and the others still run. */
  deadLetter(event: DeadLetterEvent, report: (err: HookError) => void): void {
    for (const { onDeadLetter } of this.sets) {
      if (onDeadLetter === undefined) continue;
      try {
        onDeadLetter(event);
      } catch (err) {
        report(new HookError('onDeadLetter', err, 'the entry is in the dead-letter stream all the same'));
      }
    }
  }

  /** The fields every `logFields` hook gives for a message's log line (undefined: none). */
  logFields(context: MessageContext, report: (err: HookError) => void): Record<string, string> | undefined {
    let out: Record<string, string> | undefined;
    for (const { logFields } of this.sets) {
      if (logFields === undefined) continue;
      try {
        const fields = logFields(context);
        if (fields !== undefined) out = { ...out, ...fields };
      } catch (err) {
        report(new HookError('logFields', err, 'the log line was written without its fields'));
      }
    }
    return out;
  }

  private addHooks(hooks: StreamerHooks): void {
    this.sets.push(hooks);
    const { onPublish, aroundPublish } = hooks;
    if (onPublish !== undefined) {
      const before = this.onPublish;
      this.onPublish =
        before === undefined
          ? onPublish
          : (event) => {
              before(event);
              onPublish(event);
            };
    }
    if (aroundPublish !== undefined) this.aroundPublish.push(aroundPublish);
  }
}

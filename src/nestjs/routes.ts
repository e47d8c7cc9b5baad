/**
 * Which Nest handler takes an entry, and what the registered patterns cannot do. An entry of
 * channel `c` with event name `e` goes to the handler of `{ channel: c, event: e }`, else of `'e'`,
 * else of `{ channel: c }`. The answer is remembered per channel and event name, so a message costs
 * two map lookups once its event name was seen.
 */
/** At most this many event names are remembered per channel (then the memory starts over). */
const MAX_EVENTS_PER_CHANNEL = 1000;

/** Finds handlers by route; remembers the answers. */
export class Routes<H> {
  private readonly cache = new Map<string, Map<string, H | null>>();

  /**
   * @param lookup the handler registered under a route, if any.
   * @param route Nest's route of a pattern object (its keys sorted, as Nest normalises them).
   */
  constructor(
    private readonly lookup: (route: string) => H | undefined,
    private readonly route: (pattern: object) => string,
  ) {}

  /** The handler of an entry, or undefined when no pattern takes it. */
  find(channel: string, event: string): H | undefined {
    let events = this.cache.get(channel);
    if (events === undefined) {
      events = new Map();
      this.cache.set(channel, events);
    }
    let handler = events.get(event);
    if (handler === undefined) {
      handler = this.resolve(channel, event) ?? null;
      if (events.size >= MAX_EVENTS_PER_CHANNEL) events.clear();
      events.set(event, handler);
    }
    return handler ?? undefined;
  }

  /** Forgets the answers (handlers were registered since). */
  clear(): void {
    this.cache.clear();
  }

  private resolve(channel: string, event: string): H | undefined {
    return this.lookup(this.route({ channel, event })) ?? this.lookup(event) ?? this.lookup(this.route({ channel }));
  }
}

/** A registered handler as the review sees it. */
export interface RegisteredPattern {
  /** Nest's route of the pattern. */
  readonly route: string;
  /** `@EventPattern` (true) or `@MessagePattern` (false). */
  readonly event: boolean;
}

/**
 * Warns, once at start, about what would silently never run: `@MessagePattern` handlers, patterns
 * of channels the transport does not consume or of an unknown shape, consumed channels that no
 * pattern can take, and, on channels with a contract (whose event names are known), patterns of an
 * event the contract does not have (a typo) and events of the contract no pattern takes.
 * @param contracts the event names of each consumed channel that has a contract.
 */
export function reviewPatterns(
  patterns: readonly RegisteredPattern[],
  channels: readonly string[],
  unhandled: string,
  warn: (message: string) => void,
  contracts: ReadonlyMap<string, readonly string[]> = new Map(),
): void {
  const consumed = new Set(channels);
  const covered = new Set<string>();
  const names = new Set<string>();
  /** The events `{ channel, event }` patterns take, per channel. */
  const pairs = new Map<string, Set<string>>();
  for (const { route, event } of patterns) {
    if (!event) {
      warn(
        `@MessagePattern(${route}) is not served by the redis-streamer transport: request/response is not part of an event bus (use @EventPattern; to answer, emit an event the requester handles)`,
      );
      continue;
    }
    const shape = shapeOf(route);
    if (shape === 'event') {
      names.add(route);
    } else if (shape === undefined) {
      warn(
        `@EventPattern(${route}) never matches on the redis-streamer transport: a pattern is an event name, { channel, event } or { channel }`,
      );
    } else if (!consumed.has(shape.channel)) {
      warn(
        `@EventPattern(${route}) never runs: the transport does not consume channel "${shape.channel}" (its channels: ${channels.join(', ')})`,
      );
    } else if (shape.event === undefined) {
      covered.add(shape.channel);
    } else {
      pairs.set(shape.channel, (pairs.get(shape.channel) ?? new Set()).add(shape.event));
      const known = contracts.get(shape.channel);
      if (known !== undefined && !known.includes(shape.event)) {
        warn(
          `@EventPattern(${route}) never runs: the contract of channel "${shape.channel}" has no event "${shape.event}" (its events: ${known.join(', ')})`,
        );
      }
    }
  }
  reviewContracts(names, pairs, covered, channels, contracts, unhandled, warn);
  if (names.size > 0) return;
  for (const channel of channels) {
    if (!covered.has(channel) && !pairs.has(channel)) {
      warn(`channel "${channel}" is consumed but no @EventPattern takes its events: they are ${unhandled}`);
    }
  }
}

/** The contracts' side of {@link reviewPatterns}: names no contract has, events no pattern takes. */
function reviewContracts(
  names: ReadonlySet<string>,
  pairs: ReadonlyMap<string, ReadonlySet<string>>,
  covered: ReadonlySet<string>,
  channels: readonly string[],
  contracts: ReadonlyMap<string, readonly string[]>,
  unhandled: string,
  warn: (message: string) => void,
): void {
  // A name no contract has may still be meant for a consumed channel without one.
  if (channels.length > 0 && channels.every((c) => contracts.has(c))) {
    for (const name of names) {
      if (channels.some((c) => contracts.get(c)?.includes(name) === true)) continue;
      const known = channels.map((c) => `${c}: ${contracts.get(c)?.join(', ') ?? ''}`).join('; ');
      warn(`@EventPattern('${name}') never runs: no consumed channel's contract has that event (${known})`);
    }
  }
  for (const channel of channels) {
    const known = contracts.get(channel);
    if (known === undefined || covered.has(channel)) continue;
    const taken = pairs.get(channel);
    const missing = known.filter((e) => !names.has(e) && taken?.has(e) !== true);
    if (missing.length === 0 || (names.size === 0 && taken === undefined)) continue; // else the channel warning says it
    warn(
      `events ${missing.map((e) => `"${e}"`).join(', ')} of channel "${channel}" (in its contract) have no @EventPattern: they are ${unhandled}`,
    );
  }
}

/** What a route names: an event name on any channel, a channel, or nothing the transport knows. */
function shapeOf(route: string): 'event' | { channel: string; event: string | undefined } | undefined {
  if (!route.startsWith('{')) return 'event';
  let parsed: unknown;
  try {
    parsed = JSON.parse(route);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { channel, event, ...others } = parsed as { channel?: unknown; event?: unknown };
  if (Object.keys(others).length > 0 || typeof channel !== 'string') return undefined;
  if (event !== undefined && typeof event !== 'string') return undefined;
  return { channel, event };
}

/**
 * The differential harness: the same calls against a private redis-server (7.0) and against the
 * in-memory store, with their replies and resulting state compared. The model's clock is set to the
 * real server's TIME before each call, so what depends on time (ids made by XADD *, idle times,
 * windows) agrees; what still differs by the few ms between the two runs is compared loosely:
 * ids made from the clock are compared by the order they first appear in (tokens), times and
 * idle times within a tolerance.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ManualClock } from '../../src/testing/memory/clock.js';
import { call } from '../../src/testing/memory/commands/index.js';
import { ReplyError } from '../../src/testing/memory/reply.js';
import { runScript } from '../../src/testing/memory/scripts/index.js';
import { MemoryStore } from '../../src/testing/memory/store/store.js';
import { LoadedScript } from '../../src/scripts/loader.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

/** A reply, or the error's text. */
export type Outcome = { readonly reply: unknown } | { readonly error: string };

/** Which side a call runs on, with the replies saved there (each side's own ids). */
export interface SideView {
  readonly side: 'real' | 'model';
  /** A reply saved with `save`. */
  saved(name: string): unknown;
}

/** The arguments of a call, the same on both sides or built per side. */
export type Args = ReadonlyArray<string | number> | ((side: SideView) => ReadonlyArray<string | number>);

/** Options of a compared call. */
export interface SameOptions {
  /** Paths (with '*' for any index) whose numbers are idle times: compared within a tolerance. */
  readonly idle?: ReadonlyArray<ReadonlyArray<number | '*'>>;
  /** Save each side's reply under this name (for {@link SideView.saved}). */
  readonly save?: string;
  /** Compare only the error code (first word) of errors. */
  readonly errorCodeOnly?: boolean;
}

/** An idle time, compared within a tolerance. */
class Loose {
  constructor(readonly value: number) {}
}

/** ms two idle times or clock times may differ by (the two runs are a few ms apart; the machine is shared). */
const TOLERANCE_MS = 1500;
const CLOCK_ID = /^(\d{13,})-(\d+)$/;

function isTime(v: unknown): boolean {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{13}$/.test(v) ? Number(v) : NaN;
  return n > 1e12 && n < 1e13;
}

/** Whether two strings differ only in the times (13-digit ms) they hold, each within the tolerance. */
function timesAlike(a: string, b: string): boolean {
  const x = a.split(/(\d{13})/);
  const y = b.split(/(\d{13})/);
  if (x.length !== y.length || x.length === 1) return false;
  return x.every((part, i) => (i % 2 === 0 ? part === y[i] : Math.abs(Number(part) - Number(y[i])) <= TOLERANCE_MS));
}

/** Marks the numbers at `paths` as loose. */
function loosen(value: unknown, paths: ReadonlyArray<ReadonlyArray<number | '*'>>, at: number[] = []): unknown {
  if (
    typeof value === 'number' &&
    paths.some((p) => p.length === at.length && p.every((x, i) => x === '*' || x === at[i]))
  ) {
    return new Loose(value);
  }
  if (!Array.isArray(value)) return value;
  return value.map((v, i) => loosen(v, paths, [...at, i]));
}

/** Replaces ids made from the clock by tokens, in order of first appearance, per side. */
function tokenize(value: unknown, tokens: Map<string, string>): unknown {
  if (typeof value === 'string' && CLOCK_ID.test(value)) {
    let token = tokens.get(value);
    if (token === undefined) tokens.set(value, (token = `<clock-id ${tokens.size + 1}>`));
    return token;
  }
  if (Array.isArray(value)) return value.map((v) => tokenize(v, tokens));
  if (value !== null && typeof value === 'object' && !(value instanceof Loose)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tokenize(v, tokens)]));
  }
  return value;
}

/** The first difference between two values, as a path and the two values, or undefined. */
export function difference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (a instanceof Loose && b instanceof Loose) {
    return Math.abs(a.value - b.value) <= TOLERANCE_MS ? undefined : `${path}: ${a.value} vs ${b.value}`;
  }
  if (isTime(a) && isTime(b)) {
    return Math.abs(Number(a) - Number(b)) <= TOLERANCE_MS ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  }
  if (typeof a === 'string' && typeof b === 'string' && a !== b && timesAlike(a, b)) return undefined;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = difference(a[i], b[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (
    a !== null &&
    b !== null &&
    typeof a === 'object' &&
    typeof b === 'object' &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = difference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return Object.is(a, b) ? undefined : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (v instanceof Loose ? `~${v.value}` : v));
  return text.length > 1500 ? `${text.slice(0, 1500)}...` : text;
}

/** Strips what Redis appends to the error of a script (`script: <name>, on @user_script:<line>.`). */
function errorText(message: string, codeOnly: boolean): string {
  const text = message.replace(/ script: \S+, on @user_script:\d+\.$/, '');
  if (codeOnly) return /^[A-Z]+/.exec(text)?.[0] ?? 'ERR';
  // A Lua runtime error's text carries the line: compare it by its prefix only.
  return text.startsWith('ERR user_script') ? 'ERR user_script' : text;
}

/** A private redis-server and a store, run side by side. */
export class Differential {
  readonly clock = new ManualClock(0);
  readonly store = new MemoryStore({ clock: this.clock });
  private readonly tokens = { real: new Map<string, string>(), model: new Map<string, string>() };
  private readonly saves = { real: new Map<string, unknown>(), model: new Map<string, unknown>() };
  /** The real server's time (ms) after the last call: the next starts in a later ms. */
  private lastMs = 0;

  private constructor(
    readonly real: Redis,
    private readonly server: RedisServer,
  ) {}

  /** Starts a private redis-server. */
  static async start(): Promise<Differential> {
    const server = await startRedis();
    const real = new Redis(server.url);
    return new Differential(real, server);
  }

  /** The real server's URL. */
  get url(): string {
    return this.server.url;
  }

  /** Stops the server. */
  async stop(): Promise<void> {
    this.real.disconnect();
    await this.server.stop();
  }

  private async realMs(): Promise<number> {
    const [s, us] = (await this.real.call('TIME')) as [string, string];
    return Number(s) * 1000 + Math.floor(Number(us) / 1000);
  }

  /**
   * Sets the model's clock to the real server's, once that has moved past the ms of the last call:
   * so no two calls make ids in the same ms (two streams could then get the same id on one side and
   * not on the other, which the id tokens would take for a difference).
   */
  async sync(): Promise<void> {
    let now = await this.realMs();
    while (now <= this.lastMs) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      now = await this.realMs();
    }
    this.clock.set(now);
  }

  private async settled<T>(run: Promise<T>): Promise<T> {
    const value = await run;
    this.lastMs = await this.realMs();
    return value;
  }

  /** FLUSHALL on both. */
  async flush(): Promise<void> {
    await this.real.call('FLUSHALL');
    this.store.flush();
  }

  private view(side: 'real' | 'model'): SideView {
    const saves = this.saves[side];
    return { side, saved: (name) => saves.get(name) };
  }

  private args(args: Args, side: 'real' | 'model'): string[] {
    const list = typeof args === 'function' ? args(this.view(side)) : args;
    return list.map(String);
  }

  /** Runs a command on both sides. */
  async both(args: Args): Promise<[Outcome, Outcome]> {
    await this.sync();
    const [name = '', ...rest] = this.args(args, 'real');
    const real = await this.settled(
      this.real.call(name, ...rest).then(
        (reply) => ({ reply }),
        (err: Error) => ({ error: err.message }),
      ),
    );
    const [mName = '', ...mRest] = this.args(args, 'model');
    return [real, outcome(() => call(this.store, mName, ...mRest))];
  }

  /** Runs a command on both sides without comparing (to set up bulk data quickly); throws on an error. */
  async quietly(args: ReadonlyArray<string | number>): Promise<void> {
    const [name = '', ...rest] = args.map(String);
    await this.real.call(name, ...rest);
    call(this.store, name, ...rest);
  }

  /** Runs a script on both sides (EVAL of the library's Lua; the twin on the model). */
  async bothScript(name: string, keys: Args, args: Args): Promise<[Outcome, Outcome]> {
    await this.sync();
    const script = new LoadedScript(name);
    const k = this.args(keys, 'real');
    const real = await this.settled(
      this.real.call('EVAL', script.lua, k.length, ...k, ...this.args(args, 'real')).then(
        (reply) => ({ reply }),
        (err: Error) => ({ error: err.message }),
      ),
    );
    return [real, outcome(() => runScript(this.store, name, this.args(keys, 'model'), this.args(args, 'model')))];
  }

  /** Asserts two outcomes are the same; returns the real one's reply (undefined for an error). */
  compare(what: string, [real, model]: [Outcome, Outcome], options: SameOptions = {}): unknown {
    for (const [side, o] of [
      ['real', real],
      ['model', model],
    ] as const) {
      if (options.save !== undefined && 'reply' in o) this.saves[side].set(options.save, o.reply);
    }
    const norm = (o: Outcome, side: 'real' | 'model'): unknown =>
      'error' in o
        ? { error: errorText(o.error, options.errorCodeOnly === true) }
        : tokenize(loosen(o.reply, options.idle ?? []), this.tokens[side]);
    const a = norm(real, 'real');
    const b = norm(model, 'model');
    const d = difference(a, b);
    if (d !== undefined)
      assert.fail(`${what}: real and model differ at ${d}\n  real:  ${show(a)}\n  model: ${show(b)}`);
    return 'reply' in real ? real.reply : undefined;
  }

  /** Runs a command on both sides and asserts the same reply (or the same error). */
  async same(args: Args, options: SameOptions = {}): Promise<unknown> {
    const what = typeof args === 'function' ? this.args(args, 'real').join(' ') : args.join(' ');
    return this.compare(what.slice(0, 200), await this.both(args), options);
  }

  /** Runs a script on both sides and asserts the same reply (or the same error). */
  async sameScript(name: string, keys: Args, args: Args, options: SameOptions = {}): Promise<unknown> {
    return this.compare(`script ${name}`, await this.bothScript(name, keys, args), options);
  }

  /** Asserts the keys hold the same on both sides (see {@link snapshot}). */
  async sameState(keys: readonly string[], what = 'state'): Promise<void> {
    await this.sync();
    const real = await snapshot((...a) => this.real.call(a[0] ?? '', ...a.slice(1)), keys);
    const model = await snapshot((...a) => Promise.resolve(call(this.store, a[0] ?? '', ...a.slice(1))), keys);
    const a = tokenize(real, this.tokens.real);
    const b = tokenize(model, this.tokens.model);
    const d = difference(a, b);
    if (d !== undefined)
      assert.fail(`${what}: real and model differ at ${d}\n  real:  ${show(a)}\n  model: ${show(b)}`);
  }
}

function outcome(run: () => unknown): Outcome {
  try {
    return { reply: run() };
  } catch (err) {
    if (err instanceof ReplyError) return { error: err.message };
    throw err;
  }
}

type Caller = (...args: string[]) => Promise<unknown>;

async function streamState(c: Caller, key: string): Promise<Record<string, unknown>> {
  const info = (await c('XINFO', 'STREAM', key)) as unknown[];
  const fields: Record<string, unknown> = {};
  for (let i = 0; i < info.length; i += 2) {
    const name = String(info[i]);
    if (!name.startsWith('radix-tree')) fields[name] = info[i + 1];
  }
  const groups = (await c('XINFO', 'GROUPS', key)) as unknown[][];
  const perGroup: Record<string, unknown> = {};
  for (const g of groups) {
    const name = String(g[1]);
    const consumers = ((await c('XINFO', 'CONSUMERS', key, name)) as unknown[][]).map((row) =>
      row.map((v, i) => (row[i - 1] === 'idle' && typeof v === 'number' ? new Loose(v) : v)),
    );
    const rows = ((await c('XPENDING', key, name, '-', '+', '1000000')) as unknown[][]).map((row) =>
      row.map((v, i) => (i === 2 && typeof v === 'number' ? new Loose(v) : v)),
    );
    perGroup[name] = { consumers, summary: await c('XPENDING', key, name), rows };
  }
  return { entries: await c('XRANGE', key, '-', '+'), info: fields, groups, perGroup };
}

/** What each key holds, by type: everything a script or command could have changed. */
export async function snapshot(c: Caller, keys: readonly string[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const type = String(await c('TYPE', key));
    const ttl = Number(await c('PTTL', key));
    const expiry = ttl < 0 ? ttl : new Loose(ttl);
    if (type === 'string') out[key] = { type, value: await c('GET', key), expiry };
    else if (type === 'hash') {
      const flat = (await c('HGETALL', key)) as string[];
      const pairs: string[][] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i] ?? '', flat[i + 1] ?? '']);
      out[key] = { type, pairs: pairs.sort((x, y) => (x[0]! < y[0]! ? -1 : 1)), expiry };
    } else if (type === 'zset') out[key] = { type, members: await c('ZRANGE', key, '0', '-1', 'WITHSCORES'), expiry };
    else if (type === 'stream') out[key] = { type, ...(await streamState(c, key)), expiry };
    else out[key] = { type };
  }
  return out;
}

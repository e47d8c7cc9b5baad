/**
 * The {@link RedisPort} over ioredis 6.
 *
 * Connection settings the library relies on:
 * - RESP2 (`protocol: 2`): measured faster than RESP3 for large XREADGROUP replies, and the reply
 *   shapes are the same either way;
 * - reconnects with exponential backoff and jitter, capped at 1 s, so consumption resumes within
 *   about a second of the server coming back;
 * - `blocking` connections use `maxRetriesPerRequest: 0`: a read in flight when the link drops
 *   fails at once, so the loop knows, re-reads its own pending entries and resumes. (With the
 *   default, ioredis silently re-sends the read after reconnecting.)
 */
import { Redis, type RedisOptions } from 'ioredis';
import { backoffDelay } from './backoff.js';
import type {
  ConsumerInfo,
  GroupInfo,
  LuaScript,
  PendingSummary,
  PortEvents,
  RawEntry,
  ReadGroupOptions,
  RedisPort,
  WaitBeforeRead,
} from './port.js';
import { isBusyGroupError } from '../errors.js';

/** Reconnect delays: 50 ms doubling to 1 s, with jitter. */
export function reconnectDelay(attempt: number): number {
  return backoffDelay(attempt, 50, 1000);
}

/** Options forced on every connection the library opens. */
function ownOptions(label: string, kind: 'command' | 'blocking'): Partial<RedisOptions> {
  return {
    lazyConnect: true,
    protocol: 2,
    connectionName: `redis-streamer:${label}`.replace(/\s/g, '_'),
    retryStrategy: reconnectDelay,
    maxRetriesPerRequest: kind === 'blocking' ? 0 : 20,
    enableAutoPipelining: false,
  };
}

/** Adapts one ioredis connection that this library owns. */
export class IoredisPort implements RedisPort {
  readonly label: string;
  private readonly client: Redis;
  private closed = false;
  private attempts = 0;
  /** Scripts used inside transactions, loaded again on every (re)connect. */
  private readonly preloaded = new Set<LuaScript>();

  /** Wraps a new connection made from `template` (a client whose settings are copied, never used). */
  static fromTemplate(template: Redis, label: string, kind: 'command' | 'blocking'): IoredisPort {
    return new IoredisPort(template.duplicate(ownOptions(label, kind)), label);
  }

  /** Wraps a new connection made from options. */
  static fromOptions(options: RedisOptions, label: string, kind: 'command' | 'blocking'): IoredisPort {
    // RESP2 is forced, so ioredis' RESP3-only replyMapping does not apply.
    const { replyMapping: _unused, ...rest } = { ...options, ...ownOptions(label, kind) };
    return new IoredisPort(new Redis(rest), label);
  }

  private constructor(client: Redis, label: string) {
    this.client = client;
    this.label = label;
    // ioredis prints unhandled 'error' events; the owner subscribes through on('error').
    this.client.on('error', () => {});
    this.client.on('reconnecting', () => {
      this.attempts++;
    });
    this.client.on('ready', () => {
      this.attempts = 0;
      for (const script of this.preloaded) this.client.script('LOAD', script.lua).catch(() => {});
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.client;
    if ((client.status as string) === 'end') return;
    // Resolves once the socket is fully closed, so nothing of this connection outlives close().
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)));
    if (client.status === 'ready') client.quit().catch(() => client.disconnect(false));
    else client.disconnect(false);
    await Promise.race([ended, giveUp]);
    clearTimeout(timer);
    if ((client.status as string) !== 'end') {
      client.disconnect(false);
      await ended;
    }
  }

  destroy(): void {
    this.closed = true;
    this.client.disconnect(false);
  }

  on<E extends keyof PortEvents>(event: E, listener: PortEvents[E]): void {
    if (event === 'reconnecting') {
      const fn = listener as PortEvents['reconnecting'];
      this.client.on('reconnecting', (delay: number) => fn(delay, this.attempts));
    } else {
      this.client.on(event, listener as (...args: unknown[]) => void);
    }
  }

  async xadd(key: string, fields: readonly string[]): Promise<string> {
    return (await this.client.xadd(key, '*', ...fields)) as string;
  }

  async xreadgroupThenScript(
    group: string,
    consumer: string,
    key: string,
    opts: ReadGroupOptions,
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<{ entries: RawEntry[]; result: unknown }> {
    const client = this.client;
    if (!this.preloaded.has(script)) {
      // Loaded once per connection (and again after every reconnect, see the constructor), so the
      // EVALSHA below finds it: a NOSCRIPT inside the transaction would come after the read.
      this.preloaded.add(script);
      await client.script('LOAD', script.lua);
    }
    const read: Array<string | number> = ['GROUP', group, consumer, 'COUNT', opts.count];
    if (opts.noAck === true) read.push('NOACK');
    read.push('STREAMS', key, '>');
    // MULTI/EXEC written as plain commands sent back to back: cheaper than ioredis' multi() object.
    const sent = [
      client.call('MULTI'),
      client.call('XREADGROUP', ...read),
      client.call('EVALSHA', script.sha, keys.length, ...keys, ...args),
      client.call('EXEC'),
    ];
    const settled = await Promise.allSettled(sent);
    const exec = settled[3] as PromiseSettledResult<unknown>;
    if (exec.status === 'rejected') throw exec.reason;
    const [readReply, scriptReply] = exec.value as [unknown, unknown];
    if (readReply instanceof Error) throw readReply;
    const streams = readReply as Array<[string, RawEntry[]]> | null;
    const entries = streams === null || streams.length === 0 ? [] : (streams[0] as [string, RawEntry[]])[1];
    if (scriptReply instanceof Error) {
      if (!scriptReply.message.startsWith('NOSCRIPT')) throw scriptReply;
      // The script cache was flushed since this connection loaded it: run it on its own now. The
      // read already happened, so this is no longer atomic with it (rare: SCRIPT FLUSH).
      return { entries, result: await this.runScript(script, keys, args) };
    }
    return { entries, result: scriptReply };
  }

  async runScriptAfterWait(
    waitKey: string,
    wait: WaitBeforeRead,
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<{ result: unknown; woke: boolean }> {
    const waited = this.client.call('XREAD', 'COUNT', 1, 'BLOCK', wait.blockMs, 'STREAMS', waitKey, wait.afterId);
    const ran = this.client.evalsha(script.sha, keys.length, ...keys, ...args);
    const [w, r] = await Promise.allSettled([waited, ran]);
    if (w.status === 'rejected') throw w.reason;
    const woke = w.value !== null;
    if (r.status === 'fulfilled') return { result: r.value, woke };
    const err: unknown = r.reason;
    // A NOSCRIPT means the script did not run at all: run it again, loading it.
    if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
      return { result: await this.runScript(script, keys, args), woke };
    }
    throw err;
  }

  async xrange(key: string, start: string, end: string, count: number): Promise<RawEntry[]> {
    return this.client.xrange(key, start, end, 'COUNT', count);
  }

  async xrangeRawFields(key: string, id: string): Promise<Buffer[] | null> {
    const reply = await this.client.xrangeBuffer(key, id, id);
    const entry = reply[0];
    return entry === undefined ? null : entry[1];
  }

  async xdel(key: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.client.xdel(key, ...ids);
  }

  async del(key: string): Promise<number> {
    return this.client.del(key);
  }

  async getString(key: string): Promise<string | null> {
    return this.client.get(key);
  }

  async xlen(key: string): Promise<number> {
    return this.client.xlen(key);
  }

  async xack(key: string, group: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.client.xack(key, group, ...ids);
  }

  async xgroupCreate(key: string, group: string, id: string): Promise<'created' | 'exists'> {
    try {
      await this.client.xgroup('CREATE', key, group, id, 'MKSTREAM');
      return 'created';
    } catch (err) {
      if (isBusyGroupError(err)) return 'exists';
      throw err;
    }
  }

  async xinfoGroups(key: string): Promise<GroupInfo[]> {
    let reply: unknown[];
    try {
      reply = (await this.client.xinfo('GROUPS', key)) as unknown[];
    } catch (err) {
      if (err instanceof Error && err.message.includes('no such key')) return [];
      throw err;
    }
    return reply.map((raw) => {
      const m = pairs(raw as unknown[]);
      return {
        name: String(m.get('name')),
        consumers: Number(m.get('consumers')),
        pending: Number(m.get('pending')),
        lastDeliveredId: String(m.get('last-delivered-id')),
        lag: m.get('lag') === undefined || m.get('lag') === null ? null : Number(m.get('lag')),
      };
    });
  }

  async xinfoConsumers(key: string, group: string): Promise<ConsumerInfo[]> {
    let reply: unknown[];
    try {
      reply = (await this.client.xinfo('CONSUMERS', key, group)) as unknown[];
    } catch (err) {
      if (err instanceof Error && (err.message.includes('no such key') || err.message.startsWith('NOGROUP'))) return [];
      throw err;
    }
    return reply.map((raw) => {
      const m = pairs(raw as unknown[]);
      return { name: String(m.get('name')), pending: Number(m.get('pending')), idleMs: Number(m.get('idle')) };
    });
  }

  async xpendingSummary(key: string, group: string): Promise<PendingSummary> {
    const reply = (await this.client.xpending(key, group)) as [number, string | null, string | null, unknown];
    return { count: Number(reply[0]), minId: reply[1] ?? null };
  }

  async runScript(script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        return this.client.eval(script.lua, keys.length, ...keys, ...args);
      }
      throw err;
    }
  }

  async time(): Promise<number> {
    const [seconds, micros] = await this.client.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  async clientId(): Promise<number> {
    return Number(await this.client.client('ID'));
  }

  async clientUnblock(id: number): Promise<boolean> {
    return Number(await this.client.client('UNBLOCK', id)) === 1;
  }
}

function pairs(flat: readonly unknown[]): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(String(flat[i]), flat[i + 1]);
  return map;
}

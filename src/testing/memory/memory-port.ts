/**
 * The {@link RedisPort} over the in-memory store: every method of the port with the semantics its
 * doc states, the replies checked by the same functions the ioredis adapter uses. Scripts run as
 * their JavaScript twins (found by the script's name). Waits (`XREAD BLOCK`, WAIT) block this
 * connection on the store's clock until an entry arrives, the timeout passes or CLIENT UNBLOCK
 * ends them, and the script sent behind a wait runs the moment it ends.
 */
import type {
  ConnectionStatus,
  LuaScript,
  PortEvents,
  RawEntry,
  ReadGroup,
  RedisPort,
  ScriptCall,
  WaitBeforeRead,
} from '../../connection/port.js';
import {
  entriesOfStreamReply,
  entriesReply,
  firstIdsOfStreamsReply,
  intReply,
  nullableStringReply,
  rawFieldsReply,
  stringReply,
} from '../../connection/replies.js';
import { InternalError, type RedisStreamerError } from '../../errors.js';
import { call } from './commands/index.js';
import { parseRead, serveRead } from './commands/xread.js';
import { MemoryConnection } from './connection.js';
import type { Reply } from './reply.js';
import { runScript, TWINS } from './scripts/index.js';
import type { MemoryStore } from './store/store.js';

/** Options of a {@link MemoryPort}. */
export interface MemoryPortOptions {
  /** What the connection is for, for logs (`command`, `channel:orders`). */
  readonly label: string;
  /** What it says it is connected to. @default 'memory' */
  readonly endpoint?: string;
}

function readGroupArgs(read: ReadGroup): string[] {
  const args = ['GROUP', read.group, read.consumer, 'COUNT', String(read.count)];
  if (read.noAck) args.push('NOACK');
  args.push('STREAMS', read.key, '>');
  return args;
}

type Outcome = { readonly value: Reply } | { readonly error: unknown };

function attempt(run: () => Reply): Outcome {
  try {
    return { value: run() };
  } catch (error) {
    return { error };
  }
}

/** An outcome's reply (nil for an error, which the caller has thrown already). */
function valueOf(o: Outcome | undefined): Reply {
  return o !== undefined && 'value' in o ? o.value : null;
}

/** A connection to an in-memory store. */
export class MemoryPort implements RedisPort {
  readonly label: string;
  readonly endpoint: string;
  private readonly connection: MemoryConnection;
  /** This connection's CLIENT ID in the store. */
  private readonly id: number;

  constructor(
    private readonly store: MemoryStore,
    options: MemoryPortOptions,
  ) {
    this.label = options.label;
    this.endpoint = options.endpoint ?? 'memory';
    this.connection = new MemoryConnection(this.label, this.endpoint);
    this.id = store.newClientId();
  }

  /**
   * The in-memory connection never goes quiet the way a hung socket does: it reads as having had
   * data just now while open, so the read watchdog never cuts it.
   */
  get lastDataAt(): number {
    return this.connection.isClosed ? 0 : performance.now();
  }

  status(): ConnectionStatus {
    return this.connection.status();
  }

  on<E extends keyof PortEvents>(event: E, listener: PortEvents[E]): void {
    this.connection.on(event, listener);
  }

  connect(): Promise<void> {
    return this.connection.run('ping', () => undefined);
  }

  close(): Promise<void> {
    this.destroy();
    return Promise.resolve();
  }

  destroy(): void {
    if (this.connection.isClosed) return;
    this.store.blocking.drop(this.id);
    this.connection.close();
  }

  private cmd(name: string, ...args: string[]): Reply {
    return call(this.store, name, ...args);
  }

  /** A script's twin, run now (an unknown script is a bug of the kit: every script has a twin). */
  private script(script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>): Reply {
    if (!TWINS.has(script.name)) throw new InternalError(`the in-memory store has no twin of script ${script.name}`);
    return runScript(this.store, script.name, keys, args);
  }

  xadd(key: string, fields: readonly string[]): Promise<string> {
    return this.connection.run('xadd', () => stringReply(this.cmd('XADD', key, '*', ...fields), 'XADD'));
  }

  xreadgroup(read: ReadGroup): Promise<RawEntry[]> {
    return this.connection.run('xreadgroup', () =>
      entriesOfStreamReply(this.cmd('XREADGROUP', ...readGroupArgs(read)), 'XREADGROUP'),
    );
  }

  readBetweenScripts(
    read: ReadGroup,
    before: ScriptCall,
    after: ScriptCall,
  ): Promise<{ before: unknown; entries: RawEntry[]; after: unknown }> {
    return this.connection.run('exec', () => {
      // MULTI/EXEC: the three run back to back, each failing on its own.
      const [b, r, a] = this.store.atomically(() => [
        attempt(() => this.script(before.script, before.keys, before.args)),
        attempt(() => this.cmd('XREADGROUP', ...readGroupArgs(read))),
        attempt(() => this.script(after.script, after.keys, after.args)),
      ]);
      if (r !== undefined && 'error' in r) throw this.connection.translate(r.error, 'xreadgroup');
      for (const o of [b, a]) if (o !== undefined && 'error' in o) throw this.connection.translate(o.error, 'evalsha');
      return { before: valueOf(b), entries: entriesOfStreamReply(valueOf(r), 'XREADGROUP'), after: valueOf(a) };
    });
  }

  /**
   * `XREAD COUNT <count> [BLOCK ms] STREAMS ...` on this connection: served at once when it can
   * be, else blocked on the store until served, timed out or unblocked; `then` gets the reply.
   */
  private blockingRead<T>(args: string[], blockMs: number, then: (reply: Reply) => T): Promise<T> {
    return this.connection.runBlocking<T>('xread', (done, fail) => {
      const finish = (reply: Reply): void => {
        try {
          done(then(reply));
        } catch (err) {
          fail(err);
        }
      };
      const served = this.store.atomically(() => {
        const read = parseRead(this.store, args, false);
        const reply = serveRead(this.store, read);
        if (reply === null) {
          this.store.block(
            this.id,
            { keys: read.keys, afterIds: read.ids, count: read.count || 1000 },
            blockMs,
            finish,
          );
        }
        return reply;
      });
      if (served === null) return () => this.store.blocking.drop(this.id);
      finish(served);
      return undefined;
    });
  }

  runScriptAfterWait(
    waitKey: string,
    wait: WaitBeforeRead,
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<{ result: unknown; woke: boolean }> {
    const read = ['COUNT', '1', 'BLOCK', String(wait.blockMs), 'STREAMS', waitKey, wait.afterId];
    return this.blockingRead(read, wait.blockMs, (reply) => ({
      woke: reply !== null,
      result: this.script(script, keys, args),
    }));
  }

  waitForEntries(
    keys: readonly string[],
    afterIds: readonly string[],
    blockMs: number | undefined,
  ): Promise<Array<[key: string, id: string]>> {
    const streams = ['STREAMS', ...keys, ...afterIds];
    if (blockMs === undefined) {
      return this.connection.run('xread', () =>
        firstIdsOfStreamsReply(this.cmd('XREAD', 'COUNT', '1', ...streams), 'XREAD'),
      );
    }
    return this.blockingRead(['COUNT', '1', 'BLOCK', String(blockMs), ...streams], blockMs, (reply) =>
      firstIdsOfStreamsReply(reply, 'XREAD'),
    );
  }

  runScriptThenWait(
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
    wait: { readonly replicas: number; readonly timeoutMs: number },
  ): Promise<{ result: unknown; waited: number | RedisStreamerError }> {
    return this.connection.runBlocking('evalsha', (done, fail) => {
      let result: Reply;
      try {
        result = this.script(script, keys, args);
      } catch (err) {
        fail(err);
        return undefined;
      }
      // WAIT: the store's replicas acknowledge at once; asking for more waits out the timeout.
      const answer = (): void => done({ result, waited: this.store.replicas });
      if (this.store.replicas >= wait.replicas) {
        answer();
        return undefined;
      }
      this.store.block(this.id, undefined, wait.timeoutMs, answer);
      return () => this.store.blocking.drop(this.id);
    });
  }

  xrange(key: string, start: string, end: string, count: number): Promise<RawEntry[]> {
    return this.connection.run('xrange', () =>
      entriesReply(this.cmd('XRANGE', key, start, end, 'COUNT', String(count)), 'XRANGE'),
    );
  }

  xrangeRawFields(key: string, id: string): Promise<Buffer[] | null> {
    return this.connection.run('xrange', () => {
      const reply = entriesReply(this.cmd('XRANGE', key, id, id), 'XRANGE');
      return rawFieldsReply(
        reply.map(([entryId, fields]) => [entryId, fields.map((f) => Buffer.from(f, 'utf8'))]),
        'XRANGE',
      );
    });
  }

  xdel(key: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return Promise.resolve(0);
    return this.connection.run('xdel', () => intReply(this.cmd('XDEL', key, ...ids), 'XDEL'));
  }

  getString(key: string): Promise<string | null> {
    return this.connection.run('get', () => nullableStringReply(this.cmd('GET', key), 'GET'));
  }

  xrevrangeLast(key: string): Promise<string | null> {
    return this.connection.run('xrevrange', () => {
      const reply = entriesReply(this.cmd('XREVRANGE', key, '+', '-', 'COUNT', '1'), 'XREVRANGE');
      return reply[0]?.[0] ?? null;
    });
  }

  deleteStream(key: string): Promise<number> {
    return this.connection.run('exec', () => {
      // XLEN and DEL in one MULTI/EXEC: the count is what was deleted.
      const [count] = this.store.atomically(() => [attempt(() => this.cmd('XLEN', key)), this.cmd('DEL', key)]);
      if (count === undefined || 'error' in count) throw this.connection.translate(count?.error, 'xlen');
      return intReply(count.value, 'XLEN');
    });
  }

  xlen(key: string): Promise<number> {
    return this.connection.run('xlen', () => intReply(this.cmd('XLEN', key), 'XLEN'));
  }

  xack(key: string, group: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return Promise.resolve(0);
    return this.connection.run('xack', () => intReply(this.cmd('XACK', key, group, ...ids), 'XACK'));
  }

  runScript(script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    return this.connection.run(script.readOnly ? 'evalsha_ro' : 'evalsha', () => this.script(script, keys, args));
  }

  keysOfType(type: string): Promise<string[]> {
    return this.connection.run('scan', () => {
      const out: string[] = [];
      for (const key of this.store.keys.keys()) if (this.store.keys.lookup(key)?.type === type) out.push(key);
      return out;
    });
  }

  configGet(parameter: string): Promise<string | null> {
    return this.connection.run('config', () => this.store.config.get(parameter) ?? null);
  }

  time(): Promise<number> {
    return this.connection.run('time', () => this.store.now());
  }

  clientId(): Promise<number | undefined> {
    return this.connection.run('client', () => this.id);
  }

  clientUnblock(id: number): Promise<boolean> {
    return this.connection.run('client', () => this.store.unblock(id));
  }
}

/** A port factory over a store: `(label) => new MemoryPort(store, { label })`. */
export function memoryPorts(store: MemoryStore, endpoint = 'memory'): (label: string) => MemoryPort {
  return (label) => new MemoryPort(store, { label, endpoint });
}

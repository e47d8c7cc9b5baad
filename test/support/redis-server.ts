/**
 * Private redis-server processes for tests: the single server of examples/support/local-redis.ts
 * (which the demo and the examples use too), and the building blocks of multi-process setups.
 */
import './client-choice.js';
export {
  findOrStartRedis,
  freePort,
  hasRedisServer,
  MISSING_REDIS_SERVER,
  ping,
  startRedis,
  terminate,
  type RedisServer,
  type StartOptions,
} from '../../examples/support/local-redis.js';
import { freePort, terminate } from '../../examples/support/local-redis.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';

// ---------------------------------------------------------------------------------------------
// Building blocks for multi-process setups (test/support/redis-cluster.ts, redis-sentinel.ts,
// redis-tls.ts): ports with a free cluster bus port, raw commands (also over TLS), and
// redis-server processes started with arbitrary arguments.
// ---------------------------------------------------------------------------------------------

/** The lowest port the kernel hands out for outgoing connections (from ip_local_port_range). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32768;
  } catch {
    return 32768;
  }
}

/** Whether 127.0.0.1:port can be listened on right now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A free port for a Redis Cluster node: below 55535, with its cluster bus port (port + 10000) free
 * too. Picked at random below the kernel's ephemeral range when there is room (so neither port
 * is taken meanwhile by an outgoing connection or by {@link freePort}), e.g. 10000-22767 for the
 * usual 32768-60999. Ports in `reserved` and ports whose bus port is in it (or the other way
 * round) are skipped; the port returned is added to `reserved` before anything is awaited, so
 * concurrent calls sharing one set never return the same port. Still a race with other
 * processes: start the node and retry with another port if it fails to bind.
 */
export async function freeClusterPort(reserved: Set<number> = new Set()): Promise<number> {
  const top = ephemeralLow() - 10_001;
  const [low, high] = top - 10_000 >= 1000 ? [10_000, top] : [20_000, 55_534];
  for (let attempt = 0; attempt < 500; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    const clash = [port, port + 10_000, port - 10_000].some((p) => reserved.has(p));
    if (clash) continue;
    reserved.add(port);
    if ((await canListen(port)) && (await canListen(port + 10_000))) return port;
    reserved.delete(port);
  }
  throw new Error(`no free cluster port (with a free bus port) in ${low}-${high}`);
}

/** A RESP2 reply: simple and bulk strings as strings, integers as numbers, nil as null. */
export type RespValue = string | number | null | RespValue[];

/** An error reply (`-ERR ...`, `-MOVED ...`) from Redis. */
export class RedisReplyError extends Error {
  override readonly name = 'RedisReplyError';
}

/** Options for {@link redisCommands} and {@link redisCommand}. */
export interface RawCommandOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** For the whole exchange (connect, send, read every reply). @default 2000 */
  readonly timeoutMs?: number;
  /** Connect with TLS using these options (`ca`, `cert`, `key`; servername defaults to `localhost`). */
  readonly tls?: TlsConnectionOptions;
  /**
   * Log in first: `AUTH [username] password` goes ahead of the commands on the same connection;
   * when it is refused, the call rejects with that {@link RedisReplyError} (which never shows the
   * password). @default no AUTH
   */
  readonly password?: string;
  /** The ACL user for {@link password}. @default the default user */
  readonly username?: string;
}

/** Parses one RESP2 reply from `buf` at `at`: [value, next offset], or undefined when incomplete. */
function parseReply(buf: Buffer, at: number): [RespValue | RedisReplyError, number] | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol === -1) return undefined;
  const type = String.fromCharCode(buf[at] ?? 0);
  const line = buf.toString('utf8', at + 1, eol);
  switch (type) {
    case '+':
      return [line, eol + 2];
    case '-':
      return [new RedisReplyError(line), eol + 2];
    case ':':
      return [Number(line), eol + 2];
    case '$': {
      const len = Number(line);
      if (len < 0) return [null, eol + 2];
      if (buf.length < eol + 2 + len + 2) return undefined;
      return [buf.toString('utf8', eol + 2, eol + 2 + len), eol + 2 + len + 2];
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return [null, eol + 2];
      const items: RespValue[] = [];
      let next = eol + 2;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, next);
        if (item === undefined) return undefined;
        // An error nested in an array (EXEC): kept as its message.
        items.push(item[0] instanceof RedisReplyError ? item[0].message : item[0]);
        next = item[1];
      }
      return [items, next];
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}: ${line}`);
  }
}

/**
 * Sends commands to host:port on a fresh connection (pipelined, plain or TLS) and resolves with
 * one reply per command, error replies as {@link RedisReplyError} values. Rejects when it cannot
 * connect, the login (`password`) is refused, or the replies do not all arrive within `timeoutMs`.
 * For harness code that must not depend on a client library's reconnects or cluster redirections.
 */
export async function redisCommands(
  port: number,
  commands: ReadonlyArray<ReadonlyArray<string | number>>,
  options: RawCommandOptions = {},
): Promise<Array<RespValue | RedisReplyError>> {
  if (options.password === undefined) return sendCommands(port, commands, options);
  const auth = options.username === undefined ? [] : [options.username];
  const [login, ...replies] = await sendCommands(port, [['AUTH', ...auth, options.password], ...commands], options);
  if (login instanceof RedisReplyError) throw login;
  return replies;
}

function sendCommands(
  port: number,
  commands: ReadonlyArray<ReadonlyArray<string | number>>,
  options: RawCommandOptions,
): Promise<Array<RespValue | RedisReplyError>> {
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const socket: Socket =
      options.tls === undefined
        ? createConnection({ port, host })
        : tlsConnect({ servername: 'localhost', ...options.tls, port, host });
    const replies: Array<RespValue | RedisReplyError> = [];
    let buf = Buffer.alloc(0);
    let offset = 0;
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (error === undefined) resolve(replies);
      else reject(error);
    };
    const timer = setTimeout(
      () => finish(new Error(`127.0.0.1:${port}: no reply within ${options.timeoutMs ?? 2000} ms`)),
      options.timeoutMs ?? 2000,
    );
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish(new Error(`${host}:${port}: connection closed before every reply`)));
    socket.once(options.tls === undefined ? 'connect' : 'secureConnect', () => {
      const wire = commands
        .map((args) => {
          const parts = args.map((a) => Buffer.from(String(a)));
          return `*${parts.length}\r\n${parts.map((p) => `$${p.length}\r\n${p.toString()}\r\n`).join('')}`;
        })
        .join('');
      socket.write(wire);
    });
    socket.on('data', (data: Buffer) => {
      buf = Buffer.concat([buf, data]);
      try {
        for (let reply = parseReply(buf, offset); reply !== undefined; reply = parseReply(buf, offset)) {
          replies.push(reply[0]);
          offset = reply[1];
          if (replies.length === commands.length) return finish();
        }
      } catch (error) {
        finish(error as Error);
      }
    });
  });
}

/** Sends one command on a fresh connection; rejects with a {@link RedisReplyError} on an error reply. */
export async function redisCommand(
  port: number,
  args: ReadonlyArray<string | number>,
  options: RawCommandOptions = {},
): Promise<RespValue> {
  const [reply] = await redisCommands(port, [args], options);
  if (reply instanceof RedisReplyError) throw reply;
  return reply ?? null;
}

/** Parses `INFO` text into field: value pairs. */
export function parseInfo(text: RespValue | RedisReplyError): Record<string, string> {
  const fields: Record<string, string> = {};
  if (typeof text !== 'string') return fields;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/** The last `lines` lines of a text file ('' if it cannot be read). */
export function fileTail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Options for {@link spawnRedis}. */
export interface SpawnRedisOptions {
  /** The redis-server arguments, as given (a config file first, then e.g. `--sentinel`). */
  readonly args: readonly string[];
  /** The port it answers on once up (the TLS port for a TLS-only server). */
  readonly port: number;
  /** Its log file (`logfile` / `--logfile`): its tail goes into the error when it fails to start. */
  readonly logFile?: string;
  /** Check readiness over TLS with these options. */
  readonly tls?: TlsConnectionOptions;
  /** Check readiness logged in with this password (for a server with `requirepass`). */
  readonly password?: string;
  /** How long to wait for it to answer. @default 10000 */
  readonly timeoutMs?: number;
}

/** A redis-server process started by {@link spawnRedis}. */
export interface RedisProcess {
  readonly port: number;
  /** The current (or last) process id. */
  readonly pid: number;
  /** Whether the process is alive. */
  readonly running: boolean;
  /** Sends `signal` (SIGKILL by default) and waits until it exited. Does nothing if it is not running. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again (after kill()) with the same arguments plus `extraArgs`, and waits until it answers. */
  restart(extraArgs?: readonly string[]): Promise<void>;
}

/**
 * Every redis-server started by spawnRedis and still running: killed (SIGKILL) when this process
 * exits (not when a signal ends it), their directories left behind.
 */
const spawned = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  // A server left running (a test that forgot stop()) must not keep the test process alive: the
  // exit hook below kills it when the process exits.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as Socket | null)?.unref();
  spawned.add(child);
  child.once('exit', () => spawned.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of spawned) c.kill('SIGKILL');
    });
  }
}

/**
 * Starts `redis-server ...args` and waits until the server on `port` answers PING (over TLS with
 * `tls`) and reports this very process in `INFO server` (so a foreign server that holds the port
 * is not taken for it). On failure it kills the process and rejects with its stderr and the tail
 * of `logFile`. The process does not keep the test process alive, and is killed when the test
 * process exits without stopping it.
 */
export async function spawnRedis(options: SpawnRedisOptions): Promise<RedisProcess> {
  const start = async (extra: readonly string[]): Promise<ChildProcess> => {
    const child = spawn('redis-server', [...options.args, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const failure = (why: string): Error => {
      const log = options.logFile === undefined ? '' : fileTail(options.logFile, 15);
      return new Error(`redis-server on port ${options.port} ${why}:\n${output}${log === '' ? '' : `\n${log}`}`);
    };
    const timeoutMs = options.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw failure(`exited with ${child.exitCode ?? child.signalCode}`);
      }
      const replies = await redisCommands(options.port, [['PING'], ['INFO', 'server']], {
        timeoutMs: 500,
        ...(options.tls === undefined ? {} : { tls: options.tls }),
        ...(options.password === undefined ? {} : { password: options.password }),
      }).catch(() => undefined);
      const pid = replies === undefined ? undefined : parseInfo(replies[1] ?? null)['process_id'];
      if (replies?.[0] === 'PONG' && pid === String(child.pid)) return child;
      await new Promise((r) => setTimeout(r, 25));
    }
    await terminate(child, 'SIGKILL');
    throw failure(`did not answer within ${timeoutMs} ms`);
  };
  let child = await start([]);
  return {
    port: options.port,
    get pid() {
      return child.pid ?? -1;
    },
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    kill: (signal = 'SIGKILL') => terminate(child, signal),
    async restart(extraArgs = []) {
      await terminate(child, 'SIGKILL');
      child = await start(extraArgs);
    },
  };
}

/**
 * {@link spawnRedis} on a port from `pick` ({@link freePort} by default), with up to `attempts`
 * tries on fresh ports: another process may take a port between the pick and the bind.
 */
export async function spawnRedisOnFreePort(
  make: (port: number) => SpawnRedisOptions,
  pick: () => Promise<number> = freePort,
  attempts = 3,
): Promise<RedisProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = await pick();
    try {
      return await spawnRedis(make(port));
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

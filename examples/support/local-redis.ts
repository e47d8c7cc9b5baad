/**
 * A local Redis for the examples, the demo, the benchmark and the tests: 127.0.0.1:6379 or
 * REDIS_URL when one answers, else a private redis-server process started on a free port in a
 * temporary directory, and stopped (or killed and restarted, for fault tests) on demand. Node's
 * built-in modules only, so the examples run from the installed package too.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One message, on one line, for a machine without redis-server. */
export const MISSING_REDIS_SERVER =
  'redis-server was not found on PATH: install it (apt-get install redis-server) or set REDIS_URL to a running Redis';

/** Whether `redis-server` can be run. */
export function hasRedisServer(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Sends PING to host:port; resolves true on +PONG (or -NOAUTH: it answers, but wants a login) within `timeoutMs`. */
export function ping(port: number, host = '127.0.0.1', timeoutMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
}

/** Options for {@link startRedis}. */
export interface StartOptions {
  /** Persist with an append-only file (for restart tests). @default false */
  readonly appendOnly?: boolean;
  /** Extra redis-server arguments. */
  readonly args?: readonly string[];
  /** Use this port (e.g. to restart on the same port). @default a free port */
  readonly port?: number;
  /** Use this data directory. @default a new temporary directory */
  readonly dir?: string;
}

/** A running private redis-server. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** The server's process id. */
  readonly pid: number;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and removes its directory unless `keepDir`. */
  stop(keepDir?: boolean): Promise<void>;
  /** Kills it at once (SIGKILL), keeping its directory. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (after stop(true) or kill()). */
  restart(): Promise<void>;
}

/** Starts a private redis-server and waits until it answers PING. */
export async function startRedis(options: StartOptions = {}): Promise<RedisServer> {
  if (!hasRedisServer()) throw new Error(MISSING_REDIS_SERVER);
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'redis-streamer-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendOnly === true ? 'yes' : 'no',
    '--appendfsync',
    'always',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
    ...(options.args ?? []),
  ];
  let child: ChildProcess = await launch(args, port);
  const server: RedisServer = {
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child.pid ?? -1;
    },
    async stop(keepDir = false) {
      await terminate(child, 'SIGTERM');
      if (!keepDir && options.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      await terminate(child, 'SIGKILL');
    },
    async restart() {
      child = await launch(args, port);
    },
  };
  return server;
}

async function launch(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${stderr}`);
    if (await ping(port)) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer within 10 s: ${stderr}`);
}

/** Stops a child process with `signal` (SIGKILL after 5 s); resolves once it has exited. */
export function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}

/** A Redis for the demo and benchmark: REDIS_URL, else 127.0.0.1:6379 if it answers, else a private server. */
export async function findOrStartRedis(): Promise<{ url: string; stop: () => Promise<void>; private: boolean }> {
  const fromEnv = process.env['REDIS_URL'];
  if (fromEnv !== undefined && fromEnv !== '') return { url: fromEnv, stop: async () => {}, private: false };
  if (await ping(6379)) return { url: 'redis://127.0.0.1:6379', stop: async () => {}, private: false };
  const server = await startRedis();
  return { url: server.url, stop: () => server.stop(), private: true };
}

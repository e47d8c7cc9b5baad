/**
 * Private PostgreSQL servers for tests and the benchmark, as redis-server.ts starts private Redis
 * servers: `initdb` into a new temporary directory, `postgres` on a free port of 127.0.0.1 with its
 * unix socket in that directory (so it never meets the machine's own server), stopped and removed
 * afterwards. initdb refuses to run as root: as root, both run as the `postgres` OS user (setpriv,
 * which execs, so the process we hold is the postmaster itself) in a directory it owns.
 *
 * Without PostgreSQL binaries, DATABASE_URL is used instead (tests then use tables of their own
 * names). With neither, starting fails with a message saying what to install: the tests are never
 * skipped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import pg from 'pg';
import { freePort } from './redis-server.js';

/** One line for a machine without PostgreSQL. */
export const MISSING_POSTGRES =
  'PostgreSQL binaries (initdb, postgres) were not found: install them (apt-get install postgresql) or set DATABASE_URL to a database the tests may create tables in';

/** A PostgreSQL for tests. */
export interface TestPostgres {
  /** A connection string (trust authentication, no password). */
  readonly url: string;
  /** Whether it is a private server started here (false: DATABASE_URL). */
  readonly private: boolean;
  /** The postmaster's process id (undefined for DATABASE_URL). */
  readonly pid: number | undefined;
  /** Stops it (fast shutdown, SIGKILL after 10 s) and removes its directory. Nothing for DATABASE_URL. */
  stop(): Promise<void>;
}

/** The directory of initdb and postgres: PG_BIN, the newest /usr/lib/postgresql/N/bin, or pg_config's. */
export function postgresBinDir(): string | undefined {
  const candidates: string[] = [];
  const fromEnv = process.env['PG_BIN'];
  if (fromEnv !== undefined && fromEnv !== '') candidates.push(fromEnv);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join(root, v, 'bin'));
  }
  const config = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (config.status === 0) candidates.push(config.stdout.trim());
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
}

/** As root: the uid and gid of the `postgres` OS user, to run initdb and postgres as. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(
      'running as root, and initdb refuses root: create a `postgres` OS user (apt-get install postgresql)',
    );
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** The command line that runs `file args` as `user` (or as we are). */
function command(user: { uid: number; gid: number } | undefined, file: string, args: string[]): [string, string[]] {
  if (user === undefined) return [file, args];
  return ['setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', file, ...args]];
}

const CLEAN_ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' };

/** Every private postmaster still running: shut down at once (SIGQUIT) when this process exits. */
const running = new Set<ChildProcess>();
let exitHook = false;

function track(child: ChildProcess): void {
  child.unref();
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGQUIT');
  });
}

/** Starts a private PostgreSQL (see the file's comment), or gives DATABASE_URL's when no binaries exist. */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (bin === undefined) {
    const url = process.env['DATABASE_URL'];
    if (url === undefined || url === '') throw new Error(MISSING_POSTGRES);
    return { url, private: false, pid: undefined, stop: async () => {} };
  }
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'redis-streamer-pg-'));
  try {
    if (user !== undefined) chownSync(dir, user.uid, user.gid);
    initdb(bin, dir, user);
    return await launchOnFreePort(bin, dir, user);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function initdb(bin: string, dir: string, user: { uid: number; gid: number } | undefined): void {
  const data = join(dir, 'data');
  const [file, args] = command(user, join(bin, 'initdb'), [
    ...['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
  ]);
  const result = spawnSync(file, args, { encoding: 'utf8', env: CLEAN_ENV, cwd: dir });
  if (result.status !== 0) {
    throw new Error(`initdb failed (${result.status ?? result.signal}): ${result.stderr}${result.stdout}`);
  }
  mkdirSync(join(dir, 'socket'));
  if (user !== undefined) chownSync(join(dir, 'socket'), user.uid, user.gid);
}

async function launchOnFreePort(
  bin: string,
  dir: string,
  user: { uid: number; gid: number } | undefined,
): Promise<TestPostgres> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      const child = await launch(bin, dir, port, user);
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      return {
        url,
        private: true,
        pid: child.pid,
        stop: async () => {
          await shutdown(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      lastError = err; // the port was taken between the pick and the bind: another one
    }
  }
  throw lastError;
}

async function launch(
  bin: string,
  dir: string,
  port: number,
  user: { uid: number; gid: number } | undefined,
): Promise<ChildProcess> {
  // Durability settings off: the tests kill relays and Redis, never this server.
  const settings = ['listen_addresses=127.0.0.1', `unix_socket_directories=${join(dir, 'socket')}`, 'fsync=off'];
  settings.push('synchronous_commit=off', 'full_page_writes=off', 'max_connections=200', 'log_min_messages=warning');
  const [file, args] = command(user, join(bin, 'postgres'), [
    ...['-D', join(dir, 'data'), '-p', String(port)],
    ...settings.flatMap((s) => ['-c', s]),
  ]);
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], env: CLEAN_ENV, cwd: dir });
  track(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  (child.stderr as { unref?: () => void } | null)?.unref?.();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`postgres on port ${port} exited (${child.exitCode ?? child.signalCode}): ${stderr}`);
    }
    if (await answers(port)) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  await shutdown(child);
  throw new Error(`postgres on port ${port} did not answer within 30 s: ${stderr}`);
}

/** Whether the server on 127.0.0.1:port accepts a connection and runs SELECT 1. */
async function answers(port: number): Promise<boolean> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Fast shutdown (SIGINT: transactions rolled back, clients disconnected), SIGKILL after 10 s. */
function shutdown(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGINT');
  });
}

/** A PostgreSQL for one test file. */
export interface PostgresForTests {
  /** Its connection string. */
  readonly url: string;
  /** The server (undefined before `before` ran). */
  readonly server: TestPostgres;
  /** A pool on it, ended after the file (`max` connections, default 10). */
  pool(max?: number): pg.Pool;
}

/** Starts a private PostgreSQL before the file's tests and stops it after them; pools are ended first. */
export function usePostgres(): PostgresForTests {
  let server: TestPostgres | undefined;
  const pools: pg.Pool[] = [];
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await Promise.all(pools.map((p) => p.end().catch(() => {})));
    await server?.stop();
  });
  const started = (): TestPostgres => {
    if (server === undefined) throw new Error('usePostgres: not started yet');
    return server;
  };
  return {
    get url() {
      return started().url;
    },
    get server() {
      return started();
    },
    pool(max = 10) {
      const pool = new pg.Pool({ connectionString: started().url, max });
      pool.on('error', () => {}); // an idle client's connection dropped: the pool replaces it
      pools.push(pool);
      return pool;
    },
  };
}

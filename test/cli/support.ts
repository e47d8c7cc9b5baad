/**
 * Helpers for the CLI tests: the CLI built by tsc with the package's build config (into a private
 * directory under node_modules/.cache, so a concurrent `npm run build` cannot pull dist/ from under
 * a test, and the package's dependencies still resolve), and runs of it as a child process.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { testClient } from '../support/client-choice.js';

const REPO = new URL('../../', import.meta.url).pathname;
const CACHE = join(REPO, 'node_modules', '.cache', 'redis-streamer-cli');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** A hash of what the build reads: src/ and the tsconfigs. */
function sourceHash(): string {
  const hash = createHash('sha1');
  const inputs = [...files(join(REPO, 'src')), join(REPO, 'tsconfig.json'), join(REPO, 'tsconfig.build.json')].sort();
  for (const file of inputs) hash.update(relative(REPO, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

function run(command: string, args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function build(target: string): Promise<void> {
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const out = join(target, 'dist');
  const { code, output } = await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out]);
  if (code !== 0) throw new Error(`tsc -p tsconfig.build.json failed:\n${output}`);
  for (const file of readdirSync(join(REPO, 'src', 'scripts'))) {
    if (file.endsWith('.lua')) cpSync(join(REPO, 'src', 'scripts', file), join(out, 'scripts', file));
  }
  cpSync(join(REPO, 'package.json'), join(target, 'package.json'));
}

/** Removes builds of older sources (best effort). */
function prune(keep: string): void {
  for (const entry of existsSync(CACHE) ? readdirSync(CACHE) : []) {
    const path = join(CACHE, entry);
    if (path !== keep && Date.now() - statSync(path).mtimeMs > 3_600_000)
      rmSync(path, { recursive: true, force: true });
  }
}

let built: Promise<string> | undefined;

/**
 * The path of the built `dist/cli/main.js` for the current sources, building it once (test files
 * running at the same time wait for one another's build).
 */
export function builtCli(): Promise<string> {
  built ??= (async () => {
    const target = join(CACHE, sourceHash());
    const main = join(target, 'dist', 'cli', 'main.js');
    if (existsSync(main)) return main;
    mkdirSync(CACHE, { recursive: true });
    const lock = `${target}.lock`;
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (existsSync(main)) return main;
      try {
        mkdirSync(lock);
        break;
      } catch {
        // Another test file is building: wait for it (a lock older than 3 minutes is abandoned).
        const held = statSync(lock, { throwIfNoEntry: false });
        if (held !== undefined && Date.now() - held.mtimeMs > 180_000) rmSync(lock, { force: true, recursive: true });
        if (Date.now() > deadline) throw new Error('timed out waiting for another test file to build the CLI');
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    try {
      const staging = `${target}.tmp-${process.pid}`;
      rmSync(staging, { recursive: true, force: true });
      await build(staging);
      renameSync(staging, target);
      prune(target);
      return main;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  })();
  return built;
}

/** A finished run of the CLI. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link cli}. */
export interface CliOptions {
  /** REDIS_URL for the child (none: REDIS_URL unset). */
  readonly url?: string;
  /** What the child reads on stdin (a pipe, not a terminal). @default '' */
  readonly input?: string;
  /** Extra environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** The run must end by itself within this long. @default 15000 */
  readonly timeoutMs?: number;
}

function childEnv(options: CliOptions): NodeJS.ProcessEnv {
  // The built CLI uses the client of this run (RS_CLIENT) unless the test names one.
  const env: NodeJS.ProcessEnv = { ...process.env, REDIS_STREAMER_CLIENT: testClient, ...options.env };
  delete env['REDIS_URL'];
  delete env['NODE_OPTIONS']; // the test runner's --import tsx must not leak into the built CLI
  if (options.url !== undefined) env['REDIS_URL'] = options.url;
  return env;
}

/** Starts the built CLI with `args`. */
export async function startCli(args: readonly string[], options: CliOptions = {}): Promise<ChildProcess> {
  const main = await builtCli();
  return spawn(process.execPath, [main, ...args], { env: childEnv(options), stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Collects a child's output and waits for it to exit by itself (fails after `timeoutMs`). */
export function finished(child: ChildProcess, timeoutMs = 15_000): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI did not exit by itself within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs the built CLI to its end. */
export async function cli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const child = await startCli(args, options);
  const done = finished(child, options.timeoutMs);
  child.stdin?.on('error', () => {}); // a child that exits before reading stdin (a usage error)
  child.stdin?.end(options.input ?? '');
  return done;
}

/** Whether `script` (util-linux) can give a child a terminal. */
export const hasScript: boolean = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * Runs the built CLI on a terminal (a pseudo-terminal made by `script`), typing `typed` into it;
 * stdout and stderr both arrive on the terminal, so they come back together in `stdout`.
 */
export async function cliOnTerminal(
  args: readonly string[],
  typed: string,
  options: CliOptions = {},
): Promise<CliResult> {
  const main = await builtCli();
  const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, main, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: childEnv(options),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const done = finished(child, options.timeoutMs);
  child.stdin.on('error', () => {});
  child.stdin.end(typed);
  return done;
}

/** Runs the CLI with `--json` and parses its stdout; fails unless it exits 0. */
export async function cliJson<T>(args: readonly string[], options: CliOptions = {}): Promise<T> {
  const result = await cli([...args, '--json'], options);
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** A running CLI whose output can be awaited line by line. */
export class LiveCli {
  stdout = '';
  stderr = '';
  readonly done: Promise<CliResult>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.done = finished(child);
  }

  /** Waits until stdout (or stderr) matches. */
  async waitFor(pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout', timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this[stream])) {
      if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting for ${pattern} on ${stream}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

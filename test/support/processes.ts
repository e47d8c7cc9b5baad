/** Child processes for fault tests: started with tsx, killed for real. */
import './client-choice.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';

/** A running child process. */
export interface Child {
  readonly process: ChildProcess;
  /** Everything it printed. */
  output(): string;
  /** Resolves when it has exited. */
  readonly exited: Promise<number | null>;
}

/**
 * Children still running. A test that fails before it stops its children must not leave the file
 * hanging on them (their pipes keep this process alive) nor leave them running: whatever is left
 * when the file's tests are done is killed.
 */
const live = new Set<ChildProcess>();
after(() => {
  for (const child of live) child.kill('SIGKILL');
});

/** Starts `node --import tsx <script> ...args` and resolves once it printed "ready". */
export async function startChild(script: string, args: readonly string[], timeoutMs = 15_000): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  child.on('exit', () => live.delete(child));
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  while (!out.includes('ready')) {
    if (child.exitCode !== null) throw new Error(`${script} exited early: ${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} did not get ready: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { process: child, output: () => out, exited };
}

/** Kills with SIGKILL and waits for the exit. */
export async function killHard(child: Child): Promise<void> {
  child.process.kill('SIGKILL');
  await child.exited;
}

/** Asks for a clean stop (SIGTERM) and waits, killing it after `graceMs`. */
export async function stopGently(child: Child, graceMs = 10_000): Promise<number | null> {
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  const code = await child.exited;
  clearTimeout(timer);
  return code;
}

/**
 * The CPU time each process of the outbox scenario spends: this process (the relay, or the
 * publisher), PostgreSQL (its postmaster and every process it started: the relay's backends, the
 * WAL writer, autovacuum...) and redis-server (INFO cpu). On a machine of two cores shared by the
 * three, their sum per row, not one process' share, is what bounds the relay's rate. PostgreSQL's
 * figure reads /proc (Linux): elsewhere it is NaN. Snapshots are taken outside the timed part.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** µs of CPU time per row (or message), by process. */
export interface CpuPerRow {
  readonly node: number;
  readonly postgres: number;
  readonly redis: number;
}

/** CPU times so far (µs): this process, Redis, and each PostgreSQL process by pid. */
interface CpuSnapshot {
  readonly node: number;
  readonly redis: number;
  readonly postgres: ReadonlyMap<number, number> | undefined;
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** utime + stime of a process, in µs (undefined when it is gone or /proc is missing). */
function processMicros(pid: number): { micros: number; parent: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { micros: (ticks * 1e6) / TICKS_PER_SECOND, parent: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** The postmaster and its children, each with its CPU time so far; undefined without /proc. */
function postgresMicros(postmaster: number | undefined): Map<number, number> | undefined {
  if (postmaster === undefined) return undefined;
  const own = processMicros(postmaster);
  if (own === undefined) return undefined;
  const times = new Map([[postmaster, own.micros]]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const p = processMicros(Number(entry));
    if (p?.parent === postmaster) times.set(Number(entry), p.micros);
  }
  return times;
}

async function redisMicros(client: Redis): Promise<number> {
  const info = String(await client.info('cpu'));
  const seconds = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6;
}

/** Measures the CPU time of the three processes between `start()` and the `stop` it returns. */
export async function startCpuMeter(
  redis: Redis,
  postmaster: number | undefined,
): Promise<(rows: number) => Promise<CpuPerRow>> {
  const snapshot = async (): Promise<CpuSnapshot> => {
    const usage = process.cpuUsage();
    return { node: usage.user + usage.system, redis: await redisMicros(redis), postgres: postgresMicros(postmaster) };
  };
  const before = await snapshot();
  return async (rows) => {
    const after = await snapshot();
    let postgres = NaN;
    if (before.postgres !== undefined && after.postgres !== undefined) {
      // A backend started meanwhile (a pool's new connection) counts from 0.
      postgres = 0;
      for (const [pid, micros] of after.postgres) postgres += micros - (before.postgres.get(pid) ?? 0);
    }
    return {
      node: (after.node - before.node) / rows,
      postgres: postgres / rows,
      redis: (after.redis - before.redis) / rows,
    };
  };
}

/** The per-process medians of several measurements. */
export function medianCpu(values: readonly CpuPerRow[], median: (xs: readonly number[]) => number): CpuPerRow {
  return {
    node: median(values.map((v) => v.node)),
    postgres: median(values.map((v) => v.postgres)),
    redis: median(values.map((v) => v.redis)),
  };
}

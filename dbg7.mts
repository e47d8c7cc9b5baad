import { spawn } from 'node:child_process';
import { RedisStreamer, silentLogger } from './src/index.js';
const [url, role] = process.argv.slice(2) as [string, string | undefined];
const now = () => performance.timeOrigin + performance.now();
if (role === 'raw') {
  const { Redis } = await import('ioredis');
  const r = new Redis(url); await r.xgroup('CREATE', 'lat', 'g', '$', 'MKSTREAM').catch(() => {});
  const samples: number[] = []; let stop = false;
  process.stdout.write('ready\n');
  process.stdin.once('data', () => { stop = true; });
  while (!stop) {
    const rep = await r.xreadgroup('GROUP', 'g', 'c', 'COUNT', 500, 'BLOCK', 200, 'STREAMS', 'lat', '>') as any;
    if (!rep) continue;
    const ids: string[] = [];
    for (const [id, f] of rep[0][1]) { samples.push(now() - JSON.parse(f[3]).t); ids.push(id); }
    await r.xack('lat', 'g', ...ids);
  }
  process.stdout.write(JSON.stringify(samples) + '\n'); process.stdin.destroy(); r.disconnect();
} else if (role === 'consumer') {
  const c = new RedisStreamer(url, 'lat', { logger: silentLogger });
  await c.subscribe('lat');
  const samples: number[] = [];
  c.registerHandler('lat', (_n, p) => { samples.push(now() - (p as { t: number }).t); });
  void c.persistConsume();
  process.stdout.write('ready\n');
  process.stdin.once('data', async () => { await c.cleanup(); process.stdout.write(JSON.stringify(samples) + '\n'); process.stdin.destroy(); });
} else {
  const child = spawn(process.execPath, [...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/cpuprof'] : []), '--import', 'tsx', 'dbg7.mts', url, process.argv[4] ?? 'consumer'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = ''; child.stdout.on('data', (d) => (out += d));
  while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 10));
  const p = new RedisStreamer(url, 'lat-pub', { logger: silentLogger });
  await p.sendMessage('lat', { name: 'w', body: { t: now() } });
  await new Promise((r) => setTimeout(r, 300));
  const total = 5000; const t0 = performance.now(); let sent = 0;
  while (sent < total) { const due = Math.min(total, Math.floor(performance.now() - t0)); while (sent < due) { sent++; void p.sendMessage('lat', { name: 'tick', body: { t: now() } }); } await new Promise((r) => setTimeout(r, 1)); }
  await new Promise((r) => setTimeout(r, 300));
  child.stdin.write('x');
  await new Promise((r) => child.on('exit', r));
  const samples = (JSON.parse(out.split('\n')[1]!) as number[]).slice(1);
  const sorted = samples.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.floor(q * sorted.length)]!.toFixed(3);
  console.log({ n: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1)!.toFixed(3) });
  await p.cleanup();
}

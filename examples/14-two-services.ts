/**
 * Example 14: two services, three processes: fan-out between services, load sharing within one.
 *
 * This program (the `storefront`) starts three processes running the same file as services:
 * `billing` twice and `shipping` once. Each service has its own consumer group on the channel, so
 * each gets every order (fan-out); the two billing instances are consumers of one group, so they
 * share billing's orders, each handled once (load sharing). Scaling a service out is starting
 * another instance with the same service name. Once every order is handled, the storefront sends
 * SIGTERM to the services, which finish and close.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/14-two-services.ts
 *
 * A service alone: `npx tsx examples/14-two-services.ts billing 1 <channel>` (Ctrl-C stops it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { RedisStreamer } from 'redis-streamer';

const url = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
const ORDERS = 6;

/** One instance of a service: prints each order it handles, and how many when stopped. */
async function runService(service: string, instance: string, channel: string): Promise<void> {
  const streamer = new RedisStreamer(url, service);
  const me = `${service}#${instance}`;
  let handled = 0;
  await streamer.subscribe(channel);
  streamer.registerHandler(channel, async (name: string, order: unknown) => {
    console.log(`${me} got ${name} ${JSON.stringify(order)}`);
    handled++;
    await new Promise((r) => setTimeout(r, 100)); // the work: while busy, the other instance reads
  });
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());
  process.once('SIGINT', () => stop.abort());
  const consuming = streamer.persistConsume({ blockMs: 1000, signal: stop.signal });
  console.log(`${me} ready`);
  await consuming;
  await streamer.close();
  console.log(`${me} stopped after ${handled} orders`);
}

/** Starts an instance of a service in a process of its own; resolves once it is consuming. */
function startService(service: string, instance: number, channel: string, onLine: (line: string) => void) {
  const script = fileURLToPath(import.meta.url);
  // process.execArgv: the same TypeScript loader (tsx) as this process.
  const child = spawn(process.execPath, [...process.execArgv, script, service, String(instance), channel], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<ChildProcess>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.endsWith(' ready')) resolve(child);
      onLine(line);
    });
    child.once('exit', (code) => reject(new Error(`${service}#${instance} exited with ${code} before it was ready`)));
  });
  return ready;
}

/** Resolves with the exit code once the child process exited. */
function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function storefront(): Promise<void> {
  const channel = `example.orders.${process.pid}`; // a channel of this run only
  const got = new Map<string, number>(); // handled orders per instance
  let allHandled = (): void => {};
  const done = new Promise<void>((resolve) => (allHandled = resolve));
  const total = (service: string): number =>
    [...got].filter(([who]) => who.startsWith(`${service}#`)).reduce((sum, [, n]) => sum + n, 0);
  const onLine = (line: string): void => {
    console.log(line);
    const who = / got /.test(line) ? line.split(' ')[0]! : undefined;
    if (who !== undefined) got.set(who, (got.get(who) ?? 0) + 1);
    if (total('billing') === ORDERS && total('shipping') === ORDERS) allHandled();
  };
  const children = await Promise.all([
    startService('billing', 1, channel, onLine),
    startService('billing', 2, channel, onLine),
    startService('shipping', 1, channel, onLine),
  ]);

  const shop = new RedisStreamer(url, 'storefront');
  for (let i = 1; i <= ORDERS; i++) {
    await shop.sendMessage(channel, { name: 'order.created', body: { orderId: `o-${i}` } });
    await new Promise((r) => setTimeout(r, 30));
  }
  await done;
  for (const child of children) child.kill('SIGTERM');
  const codes = await Promise.all(children.map(exited));
  await shop.close();

  const billing = [...got].filter(([who]) => who.startsWith('billing#')).map(([who, n]) => `${who} ${n}`);
  console.log(`billing handled ${total('billing')} orders, shared by its 2 instances (${billing.sort().join(', ')})`);
  console.log(`shipping handled ${total('shipping')} orders: every service gets every order`);
  console.log(`services exited with ${codes.join(', ')}`);
  if (codes.some((code) => code !== 0)) process.exitCode = 1;
  await removeChannels(url, channel);
}

/** Deletes the channels and the keys the library keeps beside them (`{channel}:...`): Redis is left as it was. */
async function removeChannels(redisUrl: string, ...channels: string[]): Promise<void> {
  const redis = await createClient({ url: redisUrl }).connect();
  for (const channel of channels) await redis.del([channel, ...(await redis.keys(`{${channel}}:*`))]);
  await redis.close();
}

const [service, instance, channel] = process.argv.slice(2);
if (service !== undefined && instance !== undefined && channel !== undefined)
  await runService(service, instance, channel);
else await storefront();

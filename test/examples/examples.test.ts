/**
 * The runnable examples never rot: every program in examples/ (found by listing the directory, so
 * a new one cannot be forgotten) runs as a user runs it, `node --import tsx examples/<file>.ts`,
 * against a private redis-server, and must exit 0 by itself within the time limit, print the lines
 * its expectation below lists, and leave no key of its own behind. An example without an
 * expectation fails, and so does an expectation without its example. Two examples run at a time.
 * `tsc -p tsconfig.json` type-checks them (tsconfig includes examples/).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { useRedis } from '../support/harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');
/** How long one example may run before it is killed and fails. */
const TIME_LIMIT_MS = 60_000;

/**
 * What each example must print: a string is a whole line of its stdout, a RegExp matches
 * somewhere in it (for lines with a varying part, or an order of lines).
 */
const EXPECTED: Readonly<Record<string, ReadonlyArray<string | RegExp>>> = {
  'demo.ts': [
    /^Redis: redis:\/\/127\.0\.0\.1:\d+$/m,
    /billing total 1000 \(shared by 2 instances\), shipping total 1000 \(fan-out\)/,
    'Demo OK: every order reached both services exactly once.',
  ],
  '01-basic-consumer.ts': [
    'order-processor got order.created {"orderId":"o-1","total":10} (attempt 1)',
    'order-processor got order.created {"orderId":"o-2","total":20} (attempt 1)',
    'order-processor got order.created {"orderId":"o-3","total":30} (attempt 1)',
    'order-processor handled 3 orders and closed',
  ],
  '02-several-channels.ts': [
    'New order: o-1',
    'Updated order: o-1',
    'Payment event payment.succeeded: p-1',
    'Payment event payment.failed: p-2',
    'ALERT: payment p-2 failed',
    'Sending notification: email',
    'multi-service handled 6 handler calls on 3 channels and closed',
  ],
  '03-publisher-consumer.ts': [
    'Published TASK-000',
    'Published TASK-004',
    'Processing TASK-000 (priority: 0)',
    'Processing TASK-004 (priority: 1)',
    'worker processed 5 of 5 tasks',
  ],
  '04-errors-and-dead-letters.ts': [
    'Processed event.received evt-1 on attempt 1',
    'Validation error: evt-2 is missing "data"; skipped',
    'Processed event.received evt-3 on attempt 2',
    'Dead-lettered entry after 3 attempts: max-attempts (safeHandler: Simulated processing error)',
    'Dead-lettered entry at once: unrecoverable (safeHandler: cannot be processed, ever)',
    'Dead letter of evt-4: max-attempts after 3 attempt(s): safeHandler: Simulated processing error',
    'Dead letter of evt-5: unrecoverable after 1 attempt(s): safeHandler: cannot be processed, ever',
    'Replayed 1 dead letter',
    'Processed event.received evt-4 on attempt 1 (replayed dead letter)',
    '4 events settled, 1 dead letter left (evt-5)',
  ],
  '05-await-using.ts': [
    'Event: user.signed-up',
    'Event: user.verified',
    'Consumption stopped; leaving the scope closes both streamers',
    'After the scope: ClosedError (ERR_CLOSED)',
  ],
  '06-retention.ts': [
    'reporting read all 30 entries',
    'trimmedUnread: activity lost 5 entries a group had not read',
    'cpu: removed 10 read, 0 unread; 0 left',
    'activity: removed 0 read, 5 unread; 5 left',
    'audit: removed 0 read, 0 unread; 10 left',
  ],
  '07-several-handlers.ts': [
    /\[LOG\] order\.created: \{"orderId":"o-1"\}\n\[METRICS\] Recorded event: order\.created\n\[PROCESS\] Handling: order\.created o-1\n\[AUDIT\] order\.created o-1\n/,
    '[NOTIFY] o-2 was cancelled',
    '[AUDIT] order.created o-3',
    '[DEAD LETTER] handler-failed: businessLogic: inventory service unavailable',
    '[METRICS] totals {"order.created":2,"order.cancelled":1}',
  ],
  '08-processing-history.ts': [
    '5 orders published before any service subscribed',
    'backfill-service got 6 orders: o-1, o-2, o-3, o-4, o-5, o-6',
    'live-service got 1 order: o-6',
  ],
  '09-stats-monitoring.ts': [
    /Consumer stats \(subscribed, not consuming yet\):\n {2}service: monitored-service, subscriptions: 1, consuming: false\n/,
    'Processing: event.5',
    /Consumer stats \(after 5 events\):\n {2}service: monitored-service, subscriptions: 1, consuming: true\n/,
    '  delivered: 5, handled: 5, failed: 0',
    '  group lag: 0, pending: 0, consumers: 1',
  ],
  '10-graceful-shutdown.ts': [
    /Processing: order\.created o-3\nShutdown signal received \(SIGTERM\)\.\.\.\nFinished: o-3\n/,
    /^Shutdown complete after [3-8] orders$/m,
    /^[0-5] of 8 orders wait in the group for the next start$/m,
  ],
  '11-typed-channel.ts': [
    'billing got order.created {"orderId":"o-1","email":"ada@example.com","total":42}',
    'billing got order.cancelled o-1 (customer)',
    'shop: refused before sending: orderId, email, total invalid',
    /^billing dead-lettered an entry: reason schema \(.*email.*total.*\)$/m,
  ],
  '12-tracing.ts': [
    'billing got order.created {"orderId":"o-1"}',
    '  the entry carries a traceparent: true',
    "  the handler runs in the producer's trace: true",
    'span send orders (PRODUCER): messaging.system=redis messaging.operation.name=send',
    'span process orders (CONSUMER, child of send orders): messaging.system=redis messaging.operation.name=process messaging.redis.message.name=order.created',
  ],
  '13-test-kit.ts': [
    'shipping handled order.paid o-1 on attempt 1',
    'shipping handled order.paid poison on attempt 1',
    'billing failed o-1 on attempt 2',
    'billing handled order.paid o-1 on attempt 3',
    'billing failed poison on attempt 3',
    'billing dead-lettered an entry: max-attempts after 3 attempts',
    'published on orders: 2',
    /^retries and backoffs took \d+\.\d s on the bus clock, \d+ ms of real time$/m,
  ],
  '14-two-services.ts': [
    'shipping#1 got order.created {"orderId":"o-1"}',
    'shipping#1 got order.created {"orderId":"o-6"}',
    /^billing handled 6 orders, shared by its 2 instances \(billing#\d \d(, billing#\d \d)?\)$/m,
    'shipping handled 6 orders: every service gets every order',
    'services exited with 0, 0, 0',
  ],
};

/** Every program directly in examples/ (its subdirectories hold projects of their own). */
function examples(): string[] {
  return readdirSync(EXAMPLES)
    .filter((name) => name.endsWith('.ts') && statSync(join(EXAMPLES, name)).isFile())
    .sort();
}

interface Run {
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs an example as a user would, killing it after {@link TIME_LIMIT_MS}. */
function runExample(name: string, redisUrl: string): Promise<Run> {
  // Without NODE_TEST_CONTEXT, which would make a program using node:test report to this runner.
  const env = { ...process.env, REDIS_URL: redisUrl, NODE_TEST_CONTEXT: undefined };
  const child = spawn(process.execPath, ['--import', 'tsx', join('examples', name)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), TIME_LIMIT_MS);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ pid: child.pid ?? -1, code, signal, stdout, stderr });
    });
  });
}

function assertPrinted(name: string, run: Run, expected: ReadonlyArray<string | RegExp>): void {
  const lines = run.stdout.split('\n');
  const shown = `--- stdout of ${name}:\n${run.stdout}--- stderr:\n${run.stderr}`;
  for (const line of expected) {
    if (typeof line === 'string') assert.ok(lines.includes(line), `${name} did not print the line\n${line}\n${shown}`);
    else assert.match(run.stdout, line, shown);
  }
}

const redis = useRedis();
const found = examples();

describe('examples/', { concurrency: 2 }, () => {
  it('has an expectation for every example, and an example for every expectation', () => {
    assert.ok(found.length >= 15, `examples found: ${found.join(', ')}`);
    assert.deepEqual(
      found.filter((name) => EXPECTED[name] === undefined),
      [],
      'examples without an expectation',
    );
    assert.deepEqual(
      Object.keys(EXPECTED).filter((name) => !found.includes(name)),
      [],
      'expectations without an example',
    );
  });

  for (const name of found) {
    it(`${name} exits 0 by itself and prints what it shows`, async () => {
      const expected = EXPECTED[name];
      assert.ok(
        expected !== undefined && expected.length > 0,
        `no expectation for examples/${name}: add one to EXPECTED`,
      );
      const run = await runExample(name, redis.url);
      assert.equal(run.signal, null, `${name} was killed after ${TIME_LIMIT_MS} ms\n${run.stdout}\n${run.stderr}`);
      assert.equal(run.code, 0, `${name} exited with ${run.code}\n${run.stdout}\n${run.stderr}`);
      assertPrinted(name, run, expected);
      // Its channels are named after its process id (`example.orders.<pid>`): none may be left.
      const left = [...(await redis.client.keys(`*.${run.pid}`)), ...(await redis.client.keys(`*.${run.pid}[.:}]*`))];
      assert.deepEqual(left, [], `${name} left keys behind`);
    });
  }
});

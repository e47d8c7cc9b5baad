/**
 * Consumers on a Redis Cluster exit after cleanup() even when a failover cut their reads: several
 * consumer processes (real children), the primary that owns their channels SIGKILLed, SIGTERM 300 ms
 * later. Each must run cleanup() and exit by itself within a few seconds, with nothing left active
 * (no timer, no socket). Repeated, the killed node restarted (as a replica) between rounds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { leftoverResources } from '../support/active-resources.js';
import { delay, needsPrivateServer } from '../support/harness.js';
import { startChild, type Child } from '../support/processes.js';
import { startCluster, type RedisCluster } from '../support/redis-cluster.js';

const CHILD = 'test/support/child-cluster-consumer.ts';
const ROUNDS = 3;
const CONSUMERS = 5;
/** How long a consumer may take to exit after SIGTERM. */
const EXIT_WITHIN_MS = 6000;

/** Resolves to the exit code, or to 'hung' (and kills it) when it is still running after `ms`. */
async function exitWithin(child: Child, ms: number): Promise<number | null | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    child.exited,
    new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms))),
  ]);
  clearTimeout(timer);
  if (outcome === 'hung') {
    child.process.kill('SIGKILL');
    await child.exited;
  }
  return outcome;
}

describe('cluster consumers shut down mid-failover', { skip: needsPrivateServer }, () => {
  let cluster: RedisCluster;
  before(async () => (cluster = await startCluster()));
  after(async () => cluster.stop());

  it(`${CONSUMERS} consumers SIGTERMed 300 ms after their primary was SIGKILLed all exit by themselves, ${ROUNDS} times`, async () => {
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const tag = `{exit-${round}-${process.pid}}`;
      const ports = cluster.nodes.filter((n) => n.running).map((n) => n.port);
      const children = await Promise.all(
        Array.from({ length: CONSUMERS }, (_, i) => startChild(CHILD, [ports.join(','), `${tag}:c${i}`], 60_000)),
      );
      const { port: primary } = await cluster.primaryFor(tag);
      await cluster.killNode(primary);
      await delay(300);
      for (const child of children) child.process.kill('SIGTERM');
      const outcomes = await Promise.all(children.map((child) => exitWithin(child, EXIT_WITHIN_MS)));
      outcomes.forEach((outcome, i) => {
        const child = children[i] as Child;
        const left = leftoverResources(child.output());
        if (outcome !== 0) problems.push(`round ${round} consumer ${i}: ${String(outcome)}: ${child.output()}`);
        else if (left === undefined || left.length > 0) {
          problems.push(`round ${round} consumer ${i}: left ${JSON.stringify(left)} after cleanup: ${child.output()}`);
        }
      });
      await cluster.restartNode(primary);
    }
    assert.deepEqual(problems, []);
  });
});

/**
 * Helpers of the conformance suite: streamers on a topology that are always cleaned up (and whose
 * consume runs are always awaited), unique channel names, and stream-id and server-clock helpers
 * that only use commands a Redis Cluster accepts for the keys of one channel.
 */
import { randomUUID } from 'node:crypto';
import type { AssertClient } from '../support/topology.js';
import {
  groupName,
  RedisStreamer,
  silentLogger,
  type ConsumeOptions,
  type RedisStreamerOptions,
} from '../../src/index.js';
import type { Topology } from '../support/topology.js';

/** Consume options of the suite: short blocking reads, so that shutdown is quick. */
export const CONSUME: ConsumeOptions = { blockMs: 300 };

/** A channel name no other test uses (no braces: the stream and its `{channel}:...` keys share a slot). */
export function uniqueChannel(prefix: string): string {
  return `conf-${prefix}-${randomUUID()}`;
}

/** The consumer group of `streamer`'s service on `channel`. */
export function groupOf(streamer: RedisStreamer, channel: string): string {
  return groupName(channel, streamer.service);
}

/** The streamers of the tests being run, and their consume runs. */
export class Streamers {
  private streamers: RedisStreamer[] = [];
  private runs: Array<{ service: string; done: Promise<void> }> = [];
  private errors: string[] = [];
  private readonly topology: Topology;

  constructor(topology: Topology) {
    this.topology = topology;
  }

  /** A new streamer on the topology, muted, with its recovered-from errors recorded. */
  create(service: string, options: RedisStreamerOptions = {}): RedisStreamer {
    const streamer = new RedisStreamer(this.topology.source(), service, { logger: silentLogger, ...options });
    streamer.on('error', (err, context) => {
      this.errors.push(
        `${service} [${context.phase}${context.channel === undefined ? '' : ` ${context.channel}`}]: ${err.message}`,
      );
    });
    this.streamers.push(streamer);
    return streamer;
  }

  /** Starts `streamer.persistConsume()`; its promise is awaited by {@link release}. */
  consume(streamer: RedisStreamer, options: ConsumeOptions = {}): void {
    const done = streamer.persistConsume({ ...CONSUME, ...options });
    done.catch(() => {}); // judged in release()
    this.runs.push({ service: streamer.service, done });
  }

  /**
   * Cleans up every streamer created so far and awaits every consume run. Returns the recovered-from
   * errors the streamers reported; throws when a consume run rejected.
   */
  async release(): Promise<string[]> {
    const streamers = this.streamers;
    const runs = this.runs;
    const errors = this.errors;
    this.streamers = [];
    this.runs = [];
    this.errors = [];
    await Promise.all(streamers.map((s) => s.cleanup()));
    const outcomes = await Promise.allSettled(runs.map((r) => r.done));
    const rejected = outcomes.flatMap((o, i) =>
      o.status === 'rejected' ? [`${runs[i]!.service}: ${String((o.reason as Error).message)}`] : [],
    );
    if (rejected.length > 0) throw new Error(`persistConsume() rejected: ${rejected.join('; ')}`);
    return errors;
  }
}

/** A stream id as a pair of numbers, to compare ids. */
function idParts(id: string): [bigint, bigint] {
  const [ms, seq] = id.split('-');
  return [BigInt(ms ?? '0'), BigInt(seq ?? '0')];
}

/** Whether the ids are strictly increasing. */
export function increasing(ids: readonly string[]): boolean {
  for (let i = 1; i < ids.length; i++) {
    const [am, as] = idParts(ids[i - 1]!);
    const [bm, bs] = idParts(ids[i]!);
    if (!(am < bm || (am === bm && as < bs))) return false;
  }
  return true;
}

/** The server's clock, in ms (TIME: accepted by any node of a cluster). */
export async function serverNowMs(client: AssertClient): Promise<number> {
  const [s, us] = await client.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** Appends `count` raw entries whose ids lie `agoMs` in the past by the server's clock. */
export async function addOld(client: AssertClient, channel: string, agoMs: number, count: number): Promise<string[]> {
  const base = (await serverNowMs(client)) - agoMs;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push((await client.xadd(channel, `${base}-${i}`, 'name', 'old', 'body', String(i)))!);
  }
  return ids;
}

/** The number of entries pending in a group (XPENDING summary). */
export async function pendingCount(client: AssertClient, channel: string, group: string): Promise<number> {
  const [count] = (await client.xpending(channel, group)) as [number | string];
  return Number(count);
}

/** The ids in a stream, oldest first. */
export async function streamIds(client: AssertClient, channel: string): Promise<string[]> {
  return (await client.xrange(channel, '-', '+')).map(([id]) => id);
}

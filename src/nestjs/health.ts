/**
 * What a health check (Nest's terminus, a readiness probe) needs from a transport or a client:
 * one call that says healthy or not, why not, and each connection's state, from `getStats()`.
 */
import type { ConnectionStatus, RedisStreamer } from '../index.js';
import type { RedisStreamerStatus } from './status.js';

/** The health of a transport or a client. */
export interface RedisStreamerHealth {
  /** No problem below: every open connection ready, Redis answered, consuming (for a transport). */
  readonly healthy: boolean;
  /** The status (`idle` before any connection was opened). */
  readonly status: RedisStreamerStatus | 'idle';
  /** What is wrong, one sentence each; empty when healthy. */
  readonly problems: readonly string[];
  /** Whether the streamer is consuming (always false for a client). */
  readonly consuming: boolean;
  /** Every open connection: its state and last error (never a credential). */
  readonly connections: readonly ConnectionStatus[];
}

/**
 * The health of a streamer. Asks Redis about each subscribed channel's group, so it also fails
 * when Redis does not answer commands.
 * @param expectConsuming whether not consuming is a problem (a transport after listen()).
 */
export async function healthOf(
  streamer: RedisStreamer,
  status: RedisStreamerStatus | undefined,
  expectConsuming: boolean,
): Promise<RedisStreamerHealth> {
  const stats = await streamer.getStats();
  const problems: string[] = [];
  if (expectConsuming && !stats.consuming) problems.push('not consuming (stopped, or not started)');
  for (const c of stats.connections) {
    if (c.state !== 'ready') {
      problems.push(
        `connection ${c.name} to ${c.endpoint} is ${c.state}${c.lastError === null ? '' : `: ${c.lastError}`}`,
      );
    }
  }
  for (const [channel, s] of Object.entries(stats.perChannel)) {
    if (s.redisError !== undefined) problems.push(`channel ${channel}: ${s.redisError}`);
  }
  if (status === 'disconnected') problems.push('closed');
  return {
    healthy: problems.length === 0,
    status: status ?? 'idle',
    problems,
    consuming: stats.consuming,
    connections: stats.connections,
  };
}

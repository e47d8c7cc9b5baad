/**
 * The slot map of a Redis Cluster: which primary serves each of the 16384 slots, read with CLUSTER
 * SLOTS from the first node that answers (on its connection when one is ready, else on a connection
 * opened for the question and closed after it, each given 2 s).
 */
import { ConnectionError, UnexpectedReplyError } from '../errors.js';
import type { NodeRedisConnection } from './node-redis-connection.js';
import { askOnce, NoAnswerError } from './node-redis-ask.js';
import { clusterUnusable, isClusterDisabledReply, type NodeFailure } from './diagnosis.js';
import type { NodeRedisClientOptions } from './node-redis-library.js';
import { addressText, type Address } from './node-redis-options.js';
import { sanitized } from './node-redis-errors.js';

/** The primaries of a cluster and the slots each serves. */
export interface SlotMap {
  /** The primary of each slot (undefined: not served). */
  readonly slots: ReadonlyArray<Address | undefined>;
  /** Every primary, once. */
  readonly primaries: readonly Address[];
}

const SLOTS = 16384;
const ASK_TIMEOUT_MS = 2000;

/**
 * Asks the candidates in turn; rejects when none answers, with what each said (diagnosis.ts: the
 * same words as the ioredis adapter's).
 */
export async function readSlotMap(
  candidates: readonly Address[],
  settings: {
    readonly where: { readonly endpoint: string };
    readonly nodeOptions: (a: Address) => NodeRedisClientOptions;
  },
  existing: (address: Address) => NodeRedisConnection | undefined,
  stop: AbortSignal,
): Promise<SlotMap> {
  const failures: NodeFailure[] = [];
  let last: unknown;
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (stop.aborted) break;
    const id = addressText(candidate);
    if (seen.has(id)) continue;
    seen.add(id);
    try {
      const connection = existing(candidate);
      const reply =
        connection?.ready === true
          ? await connection.send(['CLUSTER', 'SLOTS'])
          : await askOnce(settings.nodeOptions(candidate), ['CLUSTER', 'SLOTS'], ASK_TIMEOUT_MS, stop);
      return parseSlots(reply, candidate);
    } catch (err) {
      last = err;
      failures.push(failureOf(id, err));
    }
  }
  const error = clusterUnusable(settings.where.endpoint, failures);
  throw last === undefined ? error : new ConnectionError(error.endpoint, error.message, { cause: sanitized(last) });
}

/** What one seed node said. */
function failureOf(node: string, err: unknown): NodeFailure {
  const message = err instanceof Error ? err.message : String(err);
  if (isClusterDisabledReply(message)) return { node, kind: 'not-cluster' };
  // ioredis' word for a slot map that did not come in time: either adapter says the same.
  if (err instanceof NoAnswerError) return { node, kind: 'failed', reason: 'timeout' };
  return { node, kind: 'failed', reason: message };
}

/** `[[start, end, [host, port, id, ...], replicas...], ...]` into a slot map. */
function parseSlots(reply: unknown, askedAt: Address): SlotMap {
  if (!Array.isArray(reply)) throw new UnexpectedReplyError('CLUSTER SLOTS: expected a list of ranges');
  const slots = new Array<Address | undefined>(SLOTS).fill(undefined);
  const primaries = new Map<string, Address>();
  for (const range of reply as unknown[]) {
    if (!Array.isArray(range) || typeof range[0] !== 'number' || typeof range[1] !== 'number') {
      throw new UnexpectedReplyError('CLUSTER SLOTS: expected [start, end, [host, port], ...]');
    }
    const node: unknown = range[2];
    if (!Array.isArray(node) || typeof node[0] !== 'string' || typeof node[1] !== 'number') {
      throw new UnexpectedReplyError('CLUSTER SLOTS: expected a primary as [host, port, ...]');
    }
    // An empty host means the node that answered (and a `?` one an unknown endpoint).
    const host = node[0] === '' || node[0] === '?' ? askedAt.host : node[0];
    const id = addressText({ host, port: node[1] });
    let primary = primaries.get(id);
    if (primary === undefined) primaries.set(id, (primary = { host, port: node[1] }));
    for (let slot = range[0]; slot <= range[1] && slot < SLOTS; slot++) slots[slot] = primary;
  }
  if (primaries.size === 0) throw new UnexpectedReplyError('CLUSTER SLOTS: no slot is served');
  return { slots, primaries: [...primaries.values()] };
}

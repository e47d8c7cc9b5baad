/**
 * Baselines the library is measured against, written as plain ioredis code:
 * - the hand-written loop a team would write: XREADGROUP COUNT 500, JSON.parse, one XACK per batch;
 * - the seed's documented per-message path (dtpyfw): XREADGROUP COUNT 32, then per message an
 *   awaited ZADD NX on the ledger and an awaited XACK (without its inverted idle sleep, which
 *   would cap it near 16 msg/s);
 * - pipelined raw XADD for publishing;
 * - each client's read ceiling: XREADGROUP COUNT 1000 NOACK and JSON.parse of each body, nothing
 *   else, with ioredis and with node-redis (what a consumer on that client cannot beat).
 */
import type { Redis } from 'ioredis';

type Reply = Array<[string, Array<[string, string[]]>]> | null;

/** Consumes `total` entries with the hand-written loop; resolves to the checksum of the bodies. */
export async function handWrittenLoop(client: Redis, stream: string, group: string, total: number): Promise<number> {
  let n = 0;
  let checksum = 0;
  while (n < total) {
    const reply = (await client.xreadgroup(
      'GROUP',
      group,
      'loop',
      'COUNT',
      500,
      'BLOCK',
      1000,
      'STREAMS',
      stream,
      '>',
    )) as Reply;
    if (reply === null) continue;
    const entries = reply[0]![1];
    const ids: string[] = [];
    for (const [id, fields] of entries) {
      const body = JSON.parse(fields[3]!) as { i: number };
      checksum += body.i;
      ids.push(id);
    }
    n += entries.length;
    await client.xack(stream, group, ...ids);
  }
  return checksum;
}

/** Consumes `total` entries the way the seed documents it; resolves to the checksum. */
export async function seedPerMessagePath(client: Redis, stream: string, group: string, total: number): Promise<number> {
  const ledger = `stream:${stream}:group:${group}:processed`;
  let n = 0;
  let checksum = 0;
  while (n < total) {
    const reply = (await client.xreadgroup(
      'GROUP',
      group,
      'seed',
      'COUNT',
      32,
      'BLOCK',
      5000,
      'STREAMS',
      stream,
      '>',
    )) as Reply;
    if (reply === null) continue;
    const entries = reply[0]![1];
    const now = Date.now();
    for (const [id, fields] of entries) {
      const reserved = await client.zadd(ledger, 'NX', now, id);
      if (reserved === 1) {
        const body = JSON.parse(fields[3]!) as { i: number };
        checksum += body.i;
      }
      await client.xack(stream, group, id);
    }
    n += entries.length;
  }
  return checksum;
}

/** Publishes with pipelined raw XADD in chunks of `chunk`. */
export async function pipelinedXadd(
  client: Redis,
  stream: string,
  bodies: readonly string[],
  chunk = 1000,
): Promise<void> {
  for (let i = 0; i < bodies.length; i += chunk) {
    const pipeline = client.pipeline();
    for (const body of bodies.slice(i, i + chunk)) pipeline.xadd(stream, '*', 'name', 'bench.event', 'body', body);
    await pipeline.exec();
  }
}

/** What the node-redis loop uses of a client (`createClient()` of the `redis` package). */
export interface NodeRedisClient {
  sendCommand(args: string[]): Promise<unknown>;
}

/** The read ceiling of ioredis: XREADGROUP COUNT 1000 NOACK, JSON.parse of each body; the checksum. */
export async function readCeilingIoredis(client: Redis, stream: string, group: string, total: number): Promise<number> {
  let n = 0;
  let checksum = 0;
  while (n < total) {
    const reply = (await client.xreadgroup(
      'GROUP',
      group,
      'ceiling',
      'COUNT',
      1000,
      'NOACK',
      'STREAMS',
      stream,
      '>',
    )) as Reply;
    if (reply === null) continue;
    for (const [, fields] of reply[0]![1]) {
      checksum += (JSON.parse(fields[3]!) as { i: number }).i;
      n++;
    }
  }
  return checksum;
}

/** The same read ceiling with node-redis (raw RESP2 replies, which have ioredis' shapes). */
export async function readCeilingNodeRedis(
  client: NodeRedisClient,
  stream: string,
  group: string,
  total: number,
): Promise<number> {
  let n = 0;
  let checksum = 0;
  const command = ['XREADGROUP', 'GROUP', group, 'ceiling', 'COUNT', '1000', 'NOACK', 'STREAMS', stream, '>'];
  while (n < total) {
    const reply = (await client.sendCommand(command)) as Reply;
    if (reply === null) continue;
    for (const [, fields] of reply[0]![1]) {
      checksum += (JSON.parse(fields[3]!) as { i: number }).i;
      n++;
    }
  }
  return checksum;
}

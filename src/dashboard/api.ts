/**
 * The dashboard's JSON API: what the page shows, and the dead-letter actions (replay, purge).
 * Each handler takes what it needs and returns the value to send; errors are HttpErrors or the
 * library's own, mapped to a status by the router.
 */
import type { DeadLetter, ReplayResult } from '../delivery/dead-letters.js';
import type { ChannelInfo, Inspector } from '../inspect/inspector.js';
import type { ChannelHistory, History } from './history.js';
import { HttpError } from './http.js';
import type { Sampler } from './sampler.js';

/** What the API handlers work with. */
export interface ApiContext {
  readonly inspector: Inspector;
  readonly sampler: Sampler;
  readonly history: History;
  readonly refreshMs: number;
  readonly readOnly: boolean;
}

/** GET /api/channels. */
export interface ChannelsReply {
  /** When the figures were read (ms since the epoch). */
  readonly at: number;
  /** How many channels exist; more than shown when capped. */
  readonly total: number;
  /** The sampler's last error, when its last sweep failed. */
  readonly samplingError: string | null;
  readonly readOnly: boolean;
  readonly refreshMs: number;
  readonly channels: readonly ChannelInfo[];
}

/** GET /api/channels/:name. */
export interface ChannelReply {
  readonly at: number;
  readonly channel: ChannelInfo;
  readonly history: ChannelHistory;
}

/** A dead letter as the API sends it: every field as text, the body as recorded (`fields.body`). */
export type DeadLetterView = Omit<DeadLetter, 'body'>;

/** GET /api/channels/:name/dlq. */
export interface DeadLettersReply {
  readonly channel: string;
  /** Dead letters in the channel's dead-letter stream. */
  readonly total: number;
  readonly deadLetters: readonly DeadLetterView[];
  /** The `start` of the next page, null at the end. */
  readonly next: string | null;
}

/** What a replay or purge request names. */
export type Selection = readonly string[] | 'all';

/** The most ids one request may name. */
const MAX_IDS = 10_000;
const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

/** GET /api/channels: every channel, from the newest sample when it is recent enough. */
export async function listChannels(ctx: ApiContext): Promise<ChannelsReply> {
  const snapshot = await ctx.sampler.recent(ctx.refreshMs);
  return {
    at: snapshot.at,
    total: snapshot.total,
    samplingError: ctx.sampler.error ?? null,
    readOnly: ctx.readOnly,
    refreshMs: ctx.refreshMs,
    channels: snapshot.channels,
  };
}

/** Whether the Inspector's reply describes something that exists (a stream, its groups or its dead letters). */
function exists(info: ChannelInfo): boolean {
  return info.length > 0 || info.groups.length > 0 || info.deadLetters > 0 || info.lastEntryMs !== null;
}

/** GET /api/channels/:name: the channel read now, with its history. */
export async function channelDetail(ctx: ApiContext, name: string): Promise<ChannelReply> {
  const info = await ctx.inspector.channel(name);
  const history = ctx.history.of(name);
  if (!exists(info) && history.samples.length === 0) throw new HttpError(404, `no channel "${name}"`);
  return { at: Date.now(), channel: info, history };
}

/** A page size from a query parameter. */
function pageSize(raw: string | null): number {
  if (raw === null || raw === '') return DEFAULT_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) {
    throw new HttpError(400, `count must be an integer from 1 to ${MAX_PAGE}`);
  }
  return n;
}

/** GET /api/channels/:name/dlq?count=&start=: one page of dead letters, oldest first. */
export async function listDeadLetters(
  ctx: ApiContext,
  name: string,
  query: URLSearchParams,
): Promise<DeadLettersReply> {
  const count = pageSize(query.get('count'));
  const start = query.get('start') ?? '-';
  if (start !== '-' && !STREAM_ID.test(start.replace(/^\(/, ''))) {
    throw new HttpError(400, 'start must be "-" or a dead-letter id, optionally prefixed with "("');
  }
  const queue = ctx.inspector.deadLetters(name);
  const [page, total] = await Promise.all([queue.list({ count: count + 1, start }), queue.size()]);
  const shown = page.slice(0, count);
  const last = shown[shown.length - 1];
  return {
    channel: name,
    total,
    deadLetters: shown.map(({ body: _body, ...rest }) => rest),
    next: page.length > count && last !== undefined ? `(${last.deadLetterId}` : null,
  };
}

/** Reads `{ "ids": [...] }` or `{ "all": true }`. */
export function parseSelection(body: unknown): Selection {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'the body must be {"ids": [...]} or {"all": true}');
  }
  const { ids, all } = body as { ids?: unknown; all?: unknown };
  if (all === true && ids === undefined) return 'all';
  if (all !== undefined && all !== false) throw new HttpError(400, '"all" must be true, without "ids"');
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_IDS) {
    throw new HttpError(400, `"ids" must be a list of 1 to ${MAX_IDS} dead-letter ids`);
  }
  for (const id of ids as unknown[]) {
    if (typeof id !== 'string' || !STREAM_ID.test(id)) {
      throw new HttpError(400, `not a dead-letter id: ${JSON.stringify(id)}`);
    }
  }
  return ids as string[];
}

/** POST /api/channels/:name/dlq/replay: replays to the groups that failed them. */
export async function replayDeadLetters(ctx: ApiContext, name: string, selection: Selection): Promise<ReplayResult> {
  return ctx.inspector.deadLetters(name).replay(selection);
}

/** POST /api/channels/:name/dlq/purge: deletes for good. */
export async function purgeDeadLetters(
  ctx: ApiContext,
  name: string,
  selection: Selection,
): Promise<{ purged: number }> {
  return { purged: await ctx.inspector.deadLetters(name).purge(selection) };
}

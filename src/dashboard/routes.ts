/**
 * The dashboard's request handler: authentication first, then the route (page, assets, JSON API,
 * `/metrics`), then errors mapped to a status with a JSON message. A server error's details go to
 * the logger, never to the browser.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClosedError, ConfigError, ConnectionError, RedisCommandError } from '../errors.js';
import type { Logger } from '../logger.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../metrics/prometheus.js';
import type { AccessControl } from './access.js';
import {
  channelDetail,
  listChannels,
  listDeadLetters,
  parseSelection,
  purgeDeadLetters,
  replayDeadLetters,
  type ApiContext,
} from './api.js';
import { APP_SCRIPT } from './assets/script.js';
import { APP_STYLES } from './assets/styles.js';
import { HttpError, readJson, redirect, send, sendError, sendJson } from './http.js';
import { renderPage } from './page.js';

/** Everything the handler needs. */
export interface RouterContext extends ApiContext {
  readonly access: AccessControl;
  readonly logger: Logger;
}

/** The largest request body accepted (a list of dead-letter ids). */
const BODY_LIMIT = 512 * 1024;

type Method = 'GET' | 'POST';

interface Route {
  readonly method: Method;
  readonly run: () => Promise<void> | void;
}

/** Splits and decodes a path: `/api/channels/a%2Fb` gives `['api', 'channels', 'a/b']`. */
function segments(pathname: string): string[] {
  const parts = pathname.split('/').slice(1);
  if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
  try {
    return parts.map((p) => decodeURIComponent(p));
  } catch {
    throw new HttpError(400, 'malformed path');
  }
}

/** The route key of a path: the channel segment of `api/channels/<name>/...` becomes `:name`. */
function routeKey(path: readonly string[]): { key: string; channel: string } {
  if (path[0] === 'api' && path[1] === 'channels' && path.length >= 3 && path[2] !== '') {
    return { key: ['api', 'channels', ':name', ...path.slice(3)].join('/'), channel: path[2] ?? '' };
  }
  return { key: path.join('/'), channel: '' };
}

/** Finds the route for a path; undefined when there is none (404). */
function route(ctx: RouterContext, req: IncomingMessage, res: ServerResponse, url: URL): Route | undefined {
  const { key, channel } = routeKey(segments(url.pathname));
  switch (key) {
    case '':
      return { method: 'GET', run: () => send(res, 200, 'text/html; charset=utf-8', renderPage(ctx)) };
    case 'assets/app.js':
      return { method: 'GET', run: () => send(res, 200, 'text/javascript; charset=utf-8', APP_SCRIPT) };
    case 'assets/app.css':
      return { method: 'GET', run: () => send(res, 200, 'text/css; charset=utf-8', APP_STYLES) };
    case 'metrics':
      return { method: 'GET', run: () => metrics(ctx, res) };
    case 'api/channels':
      return { method: 'GET', run: async () => sendJson(res, 200, await listChannels(ctx)) };
    case 'api/channels/:name':
      return { method: 'GET', run: async () => sendJson(res, 200, await channelDetail(ctx, channel)) };
    case 'api/channels/:name/dlq':
      return {
        method: 'GET',
        run: async () => sendJson(res, 200, await listDeadLetters(ctx, channel, url.searchParams)),
      };
    case 'api/channels/:name/dlq/replay':
      return { method: 'POST', run: () => change(ctx, req, res, channel, true) };
    case 'api/channels/:name/dlq/purge':
      return { method: 'POST', run: () => change(ctx, req, res, channel, false) };
    default:
      return undefined;
  }
}

/** GET /metrics: every channel read now (shared with a running sweep), in the Prometheus format. */
async function metrics(ctx: RouterContext, res: ServerResponse): Promise<void> {
  const snapshot = await ctx.sampler.sweep();
  send(res, 200, PROMETHEUS_CONTENT_TYPE, renderPrometheus(snapshot.channels));
}

/** POST replay or purge: same-origin, CSRF-checked, refused in read-only mode. */
async function change(
  ctx: RouterContext,
  req: IncomingMessage,
  res: ServerResponse,
  channel: string,
  replay: boolean,
): Promise<void> {
  ctx.access.checkChange(req);
  if (ctx.readOnly) throw new HttpError(403, 'the dashboard is read-only');
  const selection = parseSelection(await readJson(req, BODY_LIMIT));
  const reply = replay
    ? await replayDeadLetters(ctx, channel, selection)
    : await purgeDeadLetters(ctx, channel, selection);
  ctx.logger.info(
    { channel, action: replay ? 'replay' : 'purge', ids: selection === 'all' ? 'all' : selection.length },
    'dashboard: dead letters changed',
  );
  sendJson(res, 200, reply);
}

/** Handles one request; never rejects. */
export async function handle(ctx: RouterContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const auth = ctx.access.authenticate(req, url);
    const cookie = auth.setCookie === undefined ? {} : { 'Set-Cookie': auth.setCookie };
    if (auth.setCookie !== undefined && url.pathname === '/') return redirect(res, './', cookie);
    if (auth.setCookie !== undefined) res.setHeader('Set-Cookie', auth.setCookie);
    const found = route(ctx, req, res, url);
    if (found === undefined) throw new HttpError(404, 'not found');
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (method !== found.method) throw new HttpError(405, `use ${found.method}`, { Allow: found.method });
    await found.run();
  } catch (err) {
    fail(ctx.logger, req, res, err);
  }
}

/** The request's path without its query (which may carry the token). */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? '').split('?')[0] ?? '';
}

/** Answers an error: its status and a message for the client; details of a server error only in the log. */
function fail(logger: Logger, req: IncomingMessage, res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof HttpError) return sendError(res, err.status, err.message, err.headers);
  if (err instanceof ConfigError) return sendError(res, 400, err.message);
  if (err instanceof RedisCommandError && err.redisCode === 'WRONGTYPE') return sendError(res, 404, 'not a stream');
  if (err instanceof RedisCommandError && err.redisCode === 'NOPERM') {
    // The dashboard's Redis user lacks a right (a monitor's rules, say): the user should see which.
    return sendError(res, 403, `the dashboard's Redis user may not do this: ${err.message}`);
  }
  if (err instanceof ConnectionError || err instanceof ClosedError) {
    logger.warn({ err, method: req.method, path: pathOf(req) }, 'dashboard: Redis is unavailable');
    return sendError(res, 503, `Redis is unavailable: ${err.message}`);
  }
  logger.error({ err, method: req.method, path: pathOf(req) }, 'dashboard: request failed');
  sendError(res, 500, 'internal error (see the server log)');
}

/**
 * The web dashboard: a page with the channels, their groups (lag and pending over time, live or
 * stale), consumers, and dead letters (replayable and purgeable after a confirmation), its JSON API,
 * and `/metrics` for Prometheus. Node's own HTTP server, no dependency.
 *
 * Bound to 127.0.0.1 by default. Bound elsewhere, or given a token, every request needs the token
 * (see `access.ts`); data-changing requests also need the page's CSRF token, and are refused in
 * read-only mode.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { showOnly } from '../connection/safe-inspect.js';
import type { Inspector } from '../inspect/inspector.js';
import { defaultLogger, type Logger } from '../logger.js';
import { AccessControl, generateToken, isLoopback } from './access.js';
import { History } from './history.js';
import { checkDashboardOptions, type DashboardOptions } from './options.js';
import { handle, type RouterContext } from './routes.js';
import { Sampler } from './sampler.js';

/** A running dashboard. */
export interface Dashboard {
  /** The page's URL, with `?token=...` when a token is needed (a wildcard host gives a loopback URL). */
  readonly url: string;
  /** The access token, undefined when none is needed. */
  readonly token: string | undefined;
  /** Stops sampling, closes the server and every connection (keep-alive ones too). */
  close(): Promise<void>;
}

/** Samples kept per channel and per group for the charts (20 minutes at the default 2 s). */
export const HISTORY_SAMPLES = 600;

interface Settings {
  readonly inspector: Inspector;
  readonly host: string;
  readonly port: number;
  readonly token: string | undefined;
  readonly readOnly: boolean;
  readonly refreshMs: number;
  readonly logger: Logger;
}

function settingsOf(options: DashboardOptions): Settings {
  const checked = checkDashboardOptions(options);
  const host = checked.host ?? '127.0.0.1';
  const token = checked.token ?? (isLoopback(host) ? undefined : generateToken());
  return {
    inspector: checked.inspector,
    host,
    port: checked.port ?? 8787,
    token,
    readOnly: checked.readOnly ?? false,
    refreshMs: checked.refreshMs ?? 2000,
    logger: checked.logger ?? defaultLogger,
  };
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** The page's URL: a wildcard address is reached through loopback; IPv6 goes in brackets. */
function urlOf(address: AddressInfo, token: string | undefined): string {
  let host = address.address;
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::') host = '::1';
  const shown = host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${address.port}/${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;
}

/**
 * Starts the dashboard: listens, then samples every `refreshMs`.
 * @throws ConfigError for an invalid option (an unknown key, a wrong type, no inspector); rejects
 *   with the listen error (EADDRINUSE...).
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  // Checked before anything starts, so a typo (`readonly` for `readOnly`) never serves a dashboard.
  const s = settingsOf(options);
  const history = new History(HISTORY_SAMPLES);
  const sampler = new Sampler(s.inspector, history, s.refreshMs, s.logger);
  const ctx: RouterContext = {
    inspector: s.inspector,
    sampler,
    history,
    refreshMs: s.refreshMs,
    readOnly: s.readOnly,
    access: new AccessControl(s.token),
    logger: s.logger,
  };
  const server = createServer((req, res) => void handle(ctx, req, res));
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const address = await listen(server, s.port, s.host);
  server.on('error', (err) => s.logger.error({ err }, 'dashboard: server error'));
  sampler.start();
  s.logger.info({ host: address.address, port: address.port, readOnly: s.readOnly }, 'dashboard: listening');
  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const socket of sockets) socket.destroy();
    sampler.stop();
    await closed;
  };
  const dashboard = { url: urlOf(address, s.token), token: s.token, close: () => (closing ??= close()) };
  // util.inspect and JSON show the address and mode, never the token (nor the Inspector's login).
  const shown = urlOf(address, s.token === undefined ? undefined : '***');
  return showOnly(dashboard, 'Dashboard', () => ({ url: shown, readOnly: s.readOnly }));
}

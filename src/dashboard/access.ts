/**
 * Who may use the dashboard, and which requests may change data.
 *
 * - Token: when one is required (the dashboard is bound to a non-loopback address, or a token was
 *   given), every request carries it: `Authorization: Bearer <token>`, or the HttpOnly
 *   SameSite=Strict cookie set when the page is first opened with `?token=<token>`.
 * - Without a token (loopback only), the Host header must name a loopback host, so a web page
 *   cannot reach the dashboard through DNS rebinding.
 * - Data-changing requests are POSTs carrying the CSRF token embedded in the page (an HMAC of the
 *   access token under a key drawn at start), from the same origin (Origin and Sec-Fetch-Site are
 *   checked when the browser sends them).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http.js';

/** The request header carrying the CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';

/** Whether a host name or address is a loopback one (`localhost`, `127.0.0.0/8`, `::1`). */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    bare === 'localhost' ||
    bare.endsWith('.localhost') ||
    bare === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare) ||
    /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare)
  );
}

/** A new random access token (32 bytes, base64url). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Equality of two secrets in constant time (whatever their lengths). */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function hmac(key: string | Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('base64url');
}

/** The outcome of {@link AccessControl.authenticate}. */
export interface Authenticated {
  /** A Set-Cookie header value to send (the request carried the token in its query). */
  readonly setCookie: string | undefined;
}

/** The dashboard's access rules, for one access token (or none). */
export class AccessControl {
  /** The access token, undefined when none is required. */
  readonly token: string | undefined;
  /** The CSRF token to embed in the page and expect in data-changing requests. */
  readonly csrfToken: string;
  /** The session cookie's name (distinct per token, so two dashboards on one host do not clash). */
  readonly cookieName: string;
  private readonly cookieValue: string;

  constructor(token: string | undefined) {
    this.token = token;
    const key = randomBytes(32);
    this.csrfToken = hmac(key, `csrf:${token ?? ''}`);
    this.cookieValue = token === undefined ? '' : hmac(token, 'session');
    this.cookieName = `rs_dashboard_${token === undefined ? 'open' : hmac(token, 'cookie-name').slice(0, 10)}`;
  }

  /**
   * Checks a request's credentials.
   * @throws HttpError 401 without a valid token, 403 for a non-loopback Host when no token is set.
   */
  authenticate(req: IncomingMessage, url: URL): Authenticated {
    if (this.token === undefined) {
      const host = hostName(req.headers.host);
      if (host === undefined || !isLoopback(host)) {
        throw new HttpError(403, 'this dashboard answers only to a loopback host name (localhost, 127.0.0.1, [::1])');
      }
      return { setCookie: undefined };
    }
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined && sameSecret(bearer, this.token)) return { setCookie: undefined };
    const fromQuery = url.searchParams.get('token');
    if (fromQuery !== null && sameSecret(fromQuery, this.token)) {
      return {
        setCookie: `${this.cookieName}=${this.cookieValue}; Path=/; HttpOnly; SameSite=Strict`,
      };
    }
    const cookie = readCookie(req.headers.cookie, this.cookieName);
    if (cookie !== undefined && sameSecret(cookie, this.cookieValue)) return { setCookie: undefined };
    throw new HttpError(401, 'a token is required: open the URL the dashboard printed, or send Authorization: Bearer', {
      'WWW-Authenticate': 'Bearer realm="redis-streamer"',
    });
  }

  /**
   * Checks that a data-changing request comes from the dashboard's own page: the CSRF token, and
   * the Origin and Sec-Fetch-Site headers when present.
   * @throws HttpError 403 otherwise.
   */
  checkChange(req: IncomingMessage): void {
    const origin = req.headers.origin;
    if (origin !== undefined && !sameHost(origin, req.headers.host)) {
      throw new HttpError(403, 'cross-origin requests are refused');
    }
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      throw new HttpError(403, 'cross-site requests are refused');
    }
    const csrf = req.headers[CSRF_HEADER];
    if (typeof csrf !== 'string' || !sameSecret(csrf, this.csrfToken)) {
      throw new HttpError(403, `a valid ${CSRF_HEADER} header is required (reload the page)`);
    }
  }
}

/** The host name of a Host header (`[::1]:8787` gives `::1`), undefined when absent or malformed. */
function hostName(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  try {
    return new URL(`http://${header}`).hostname;
  } catch {
    return undefined;
  }
}

/** Whether an Origin header (`http://host:port`) names the host of the Host header; `null` does not. */
function sameHost(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    const from = new URL(origin);
    return from.host === new URL(`${from.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

/** One cookie's value from a Cookie header. */
function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

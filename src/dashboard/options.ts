/**
 * The options of {@link startDashboard} and their run-time check, with the library's machinery
 * (validate.ts): an unknown key (`readonly` for `readOnly`), a value of the wrong type or a missing
 * inspector is a {@link ConfigError} naming the option, never a silent default. Security-relevant
 * options have no lenient reading: `readOnly` must be a boolean (not `'true'`, not `null`), `token`
 * a real token (never shown in the message), `host` a non-empty string.
 */
import { ConfigError } from '../errors.js';
import { boolean, integer, string, withMethods } from '../rules.js';
import { checkOptions, type OptionsSpec, type Rule } from '../validate.js';
import type { Inspector } from '../inspect/inspector.js';
import type { Logger } from '../logger.js';

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** What the dashboard reads (and, unless read-only, replays and purges dead letters with). Not closed by the dashboard. */
  readonly inspector: Inspector;
  /**
   * The address to listen on. Anything but a loopback address requires a token.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * The port; 0 picks a free one.
   * @default 8787
   */
  readonly port?: number;
  /**
   * The access token every request must carry (`?token=` on the first page load, which sets a
   * cookie, or `Authorization: Bearer`). Required when the host is not a loopback address: one is
   * generated (32 random bytes, base64url) when absent. On a loopback address, none by default.
   * @default undefined (generated when the host is not loopback)
   */
  readonly token?: string;
  /**
   * Refuse replay and purge (403) and hide them from the page.
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * How often the figures are sampled for the history charts, in ms (at least 100); the page
   * refreshes at the same pace.
   * @default 2000
   */
  readonly refreshMs?: number;
  /**
   * Where the dashboard logs (sampling failures, server errors, replays and purges).
   * @default defaultLogger (warnings and errors on stderr)
   */
  readonly logger?: Logger;
}

/** The longest delay a Node.js timer takes (longer ones fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** An Inspector, or anything with the methods the dashboard calls on one; never a default. */
function inspectorRule(): Rule {
  const methods = withMethods('inspector', ['channels', 'channel', 'deadLetters'], 'an Inspector');
  return { expected: 'an Inspector (new Inspector(redis))', test: methods.test };
}

/** An access token: printable ASCII without spaces, long enough to resist guessing. */
function tokenRule(): Rule {
  return {
    expected: 'a string of at least 8 printable ASCII characters, without spaces',
    test: (v) => typeof v === 'string' && /^[\x21-\x7e]{8,}$/.test(v),
    secret: true,
  };
}

/** The rules of {@link startDashboard}'s options. */
export const DASHBOARD: OptionsSpec<DashboardOptions> = {
  call: 'startDashboard()',
  argument: 'first',
  example: () => '{ inspector, readOnly: true }',
  rules: {
    inspector: inspectorRule(),
    host: string(),
    port: integer(0, 65535),
    token: tokenRule(),
    readOnly: boolean(),
    refreshMs: integer(100, MAX_TIMER_MS, ' (about 24.8 days)'),
    logger: withMethods(
      'logger',
      ['debug', 'info', 'warn', 'error'],
      'an object with debug, info, warn and error functions (a pino logger fits)',
    ),
  },
};

/**
 * The options, checked: each known one read once, `null` for a nullable one left out (so its
 * default applies). `inspector` is required.
 * @throws ConfigError naming the option.
 */
export function checkDashboardOptions(options: unknown): DashboardOptions {
  const checked = checkOptions(DASHBOARD, options) as Partial<DashboardOptions>;
  if (checked.inspector === undefined) {
    throw new ConfigError(
      `startDashboard(): option \`inspector\` is required: pass ${DASHBOARD.rules.inspector.expected}, such as { inspector: new Inspector(redisUrl) }`,
    );
  }
  return checked as DashboardOptions;
}

/**
 * The run-time check of {@link startDashboard}'s options, with the library's machinery
 * (validate.ts): an unknown key (`readonly` for `readOnly`), a value of the wrong type or a missing
 * inspector is a {@link ConfigError} naming the option, never a silent default. Security-relevant
 * options have no lenient reading: `readOnly` must be a boolean (not `'true'`, not `null`), `token`
 * a real token (never shown in the message), `host` a non-empty string.
 */
import { ConfigError } from '../errors.js';
import { boolean, integer, string, withMethods } from '../rules.js';
import { checkOptions, type OptionsSpec, type Rule } from '../validate.js';
import type { DashboardOptions } from './server.js';

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

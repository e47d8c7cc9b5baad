/**
 * What some of Redis's error replies mean to the user, where the reply alone misleads or says
 * nothing of the fix: a right missing inside a script (Redis 7.0 answers ERR, not NOPERM, and names
 * no command), a login refused because none was given (NOAUTH). Replies the library itself reads
 * (MOVED, ASK) keep their words as Redis wrote them.
 */

/** A reply's code (its first word, or the code it stands for) and what to add to its message. */
export interface ReplyMeaning {
  readonly code: string;
  readonly hint: string;
}

const SCRIPT_RIGHT = /can't run this command or subcommand/;

/** The meaning of an error reply of a command. */
export function replyMeaning(reply: string): ReplyMeaning {
  const code = /^[A-Z]+/.exec(reply)?.[0] ?? 'ERR';
  if (SCRIPT_RIGHT.test(reply)) {
    return {
      code: 'NOPERM',
      hint: " (NOPERM: the ACL user lacks a right one of the library's scripts needs; Redis does not say which: give the user aclRules(), see the ACL section of docs/scaling-out.md)",
    };
  }
  return { code, hint: '' };
}

/** What to add to a refused login's message: NOAUTH means no login was sent (a wrong one is WRONGPASS). */
export function loginHint(reason: string): string {
  return reason.startsWith('NOAUTH')
    ? ' (no password was given: put it in the URL, redis://user:password@host, or in the `password` option)'
    : '';
}

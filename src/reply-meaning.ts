/**
 * What some of Redis's error replies mean to the user, where the reply alone misleads or says
 * nothing of the fix: a right missing inside a script (Redis 7.0 answers ERR, not NOPERM, and names
 * no command), a login refused because none was given (NOAUTH), a key on another cluster node
 * reached by a connection not in cluster mode (MOVED, ASK). A cluster connection reads MOVED and ASK
 * itself (the node's address ends the reply), so the hint for those is added only on a connection to
 * one server.
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

const REDIRECT = /^(MOVED|ASK) \d+ /;

/**
 * What to add to an error reply received on a connection to one server (not in cluster mode): MOVED
 * or ASK there means the server is a Redis Cluster node. Empty for any other reply.
 */
export function singleServerHint(reply: string): string {
  return REDIRECT.test(reply)
    ? ' (the server is a Redis Cluster node and this connection is not in cluster mode: give its nodes as a cluster, new RedisInstance({ cluster: [...] }))'
    : '';
}

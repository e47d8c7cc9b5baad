/**
 * Every Lua script of the library, each wrapped once with the check of its reply, so callers get
 * typed values and no caller casts. Each `.lua` file starts with a comment listing its KEYS and ARGV
 * and what it guarantees atomically. Every script touches keys of one cluster slot only (the
 * channel's stream and keys hash-tagged with it, or dtpyfw's ledger alone).
 */
import type { RedisPort } from '../connection/port.js';
import { InternalError, type RedisStreamerError } from '../errors.js';
import { LoadedScript } from './loader.js';
import { entry, int, list, orNull, str, tuple, type Check } from './reply.js';

/** Script arguments: strings and numbers. */
export type ScriptArgs = ReadonlyArray<string | number>;

/** A script with a typed, checked reply. */
export class Script<Reply> extends LoadedScript {
  constructor(
    name: string,
    private readonly check: Check<Reply>,
    readOnly = false,
  ) {
    super(name, readOnly);
  }

  /** Runs it (EVALSHA, loading it on NOSCRIPT) and checks the reply. */
  async run(port: RedisPort, keys: readonly string[], args: ScriptArgs): Promise<Reply> {
    this.checkKeys(keys);
    return this.parse(await port.runScript(this, keys, args));
  }

  /**
   * Runs it, then WAIT on the same connection (see `RedisPort.runScriptThenWait`): its checked
   * reply, and how many replicas acknowledged or the error WAIT failed with after the script ran.
   */
  async runThenWait(
    port: RedisPort,
    keys: readonly string[],
    args: ScriptArgs,
    wait: { readonly replicas: number; readonly timeoutMs: number },
  ): Promise<{ reply: Reply; waited: number | RedisStreamerError }> {
    this.checkKeys(keys);
    const { result, waited } = await port.runScriptThenWait(this, keys, args, wait);
    return { reply: this.parse(result), waited };
  }

  /** Checks a reply of this script obtained another way (inside a transaction, behind a wait). */
  parse(reply: unknown): Reply {
    return this.check(reply, `reply of ${this.name}.lua`);
  }

  private checkKeys(keys: readonly string[]): void {
    if (this.variadic ? keys.length >= this.numKeys : keys.length === this.numKeys) return;
    const takes = `${this.variadic ? 'at least ' : ''}${this.numKeys}`;
    throw new InternalError(`script ${this.name} takes ${takes} keys, was given ${keys.length}`);
  }
}

type Entry = readonly [string, readonly string[]];
/** One claimed row: id, fields, deliveries before the claim, idle ms, previous owner. */
type ClaimRow = readonly [string, readonly string[], number, number, string];
const claimRow: Check<ClaimRow> = (v, what) => {
  const [id, fields, deliveries, idle, owner] = tuple<[string, unknown, number, number, string]>(
    str,
    (x) => x,
    int,
    int,
    str,
  )(v, what);
  return [id, list(str)(fields, `${what} fields`), deliveries, idle, owner];
};
const claimPage = tuple<[string, ClaimRow[], string[]]>(str, list(claimRow), list(str));

type ConsumerRow = [string, number, number];
type GroupRow = [string, string, number, string, string, number, ConsumerRow[]];
const groupRow: Check<GroupRow> = (v, what) => {
  const [name, lag, pending, delivered, oldest, live, consumers] = tuple<
    [string, string, number, string, string, number, unknown]
  >(
    str,
    str,
    int,
    str,
    str,
    int,
    (x) => x,
  )(v, what);
  return [
    name,
    lag,
    pending,
    delivered,
    oldest,
    live,
    list(tuple<ConsumerRow>(str, int, int))(consumers, `${what} consumers`),
  ];
};

/** The scripts, by name. */
export const scripts = {
  inspectChannel: new Script(
    'inspect-channel',
    tuple<[number, string, string, number, number, GroupRow[]]>(int, str, str, int, int, list(groupRow)),
    true,
  ),
  guardBeforeRead: new Script('guard-before-read', tuple<[string, string, number]>(str, str, int)),
  guardAfterRead: new Script('guard-after-read', tuple<[string, number, number]>(str, int, int)),
  guardedRead: new Script(
    'guarded-read',
    tuple<[string, string, number, string, number, number, Entry[]]>(str, str, int, str, int, int, list(entry)),
  ),
  ledgerReserve: new Script('ledger-reserve', list(int)),
  ledgerRecord: new Script('ledger-record', int),
  ledgerTrim: new Script('ledger-trim', tuple<[number, number, number]>(int, int, int)),
  createGroup: new Script('create-group', str),
  deadLetter: new Script('dead-letter', orNull(tuple<[string, number]>(str, int))),
  dlqReplay: new Script('dlq-replay', list(orNull(str))),
  leaseRenew: new Script('lease-renew', tuple<[string[], string[]]>(list(str), list(str))),
  reclaim: new Script('reclaim', claimPage),
  recoverOwn: new Script('recover-own', claimPage),
  noteFailure: new Script('note-failure', orNull(int)),
  ack: new Script('ack', int),
  ackUnlessRetrying: new Script('ack-unless-retrying', int),
  retention: new Script('retention', tuple<[number, number, number, string[], number]>(int, int, int, list(str), int)),
  consumerHygiene: new Script('consumer-hygiene', list(str)),
  retryOrphans: new Script('retry-orphans', tuple<[string, number]>(str, int)),
  goneGroups: new Script('gone-groups', list(str), true),
  forgetGroup: new Script('forget-group', tuple<[number, number]>(int, int)),
  publish: new Script('publish', list(str)),
  publishKeyed: new Script('publish-keyed', tuple<[string[], number[]]>(list(str), list(int))),
  groupStats: new Script(
    'group-stats',
    tuple<[number, string, number, string, number, number, number, string[]]>(
      int,
      str,
      int,
      str,
      int,
      int,
      int,
      list(str),
    ),
    true,
  ),
} as const;

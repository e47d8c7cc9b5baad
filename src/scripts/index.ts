/**
 * Loads the Lua scripts of this folder. Each `.lua` file starts with a comment listing its KEYS and
 * ARGV and what it guarantees atomically; `_ids.lua` is a shared prelude prepended to every script.
 * Every script touches keys of one cluster slot only (the stream and keys hash-tagged with it).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { LuaScript } from '../connection/port.js';

const prelude = read('_ids.lua');

function read(file: string): string {
  return readFileSync(new URL(file, import.meta.url), 'utf8');
}

function load(name: string, numKeys: number): LuaScript {
  const lua = `${prelude}\n${read(`${name}.lua`)}`;
  return Object.freeze({ name, lua, numKeys, sha: createHash('sha1').update(lua).digest('hex') });
}

/** Every script, by name. */
export const scripts = Object.freeze({
  takeGuard: load('take-guard', 2),
  takeGuardRead: load('take-guard-read', 2),
  ledgerReserve: load('ledger-reserve', 1),
  ledgerTrim: load('ledger-trim', 1),
  deadLetter: load('dead-letter', 3),
  dlqReplay: load('dlq-replay', 2),
  leaseRenew: load('lease-renew', 1),
  reclaim: load('reclaim', 2),
  recoverOwn: load('recover-own', 2),
  noteFailure: load('note-failure', 1),
  ackRetried: load('ack-retried', 2),
  retention: load('retention', 1),
  consumerHygiene: load('consumer-hygiene', 1),
  publish: load('publish', 1),
  groupStats: load('group-stats', 2),
});

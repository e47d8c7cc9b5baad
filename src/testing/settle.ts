/**
 * How a test bus tells that its work is done: the event loop is drained (nothing happened for a
 * few turns), and every consumer group in the store has been handed every entry and has nothing
 * pending (every entry acknowledged or dead-lettered), with no handler running.
 */
import { MessageChannel } from 'node:worker_threads';
import { compareIds, formatId } from './memory/store/ids.js';
import type { MemoryStore } from './memory/store/store.js';

/** Turns of the event loop with nothing happening after which the work is taken as stopped. */
const QUIET_TURNS = 5;

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** `setImmediate` as it was when the kit was loaded (before any test body ran, as a rule). */
const LOADED_SET_IMMEDIATE = globalThis.setImmediate;

/** One turn of the event loop that no timer mock can hold: a message to a port of its own. */
function portTurn(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.once('message', () => {
      port1.close();
      resolve();
    });
    port2.postMessage(0);
  });
}

/**
 * Why the event loop cannot be drained, when `setImmediate` does not run its callbacks: node:test's
 * `mock.timers.enable()` mocks it unless given `apis`, and then neither the library (which flushes
 * acknowledgements on the next turn) nor {@link drain} ever runs on. Tried only when `setImmediate`
 * is not the one the kit was loaded with, or looks like node:test's mock; a wrapper that still
 * calls the real one passes.
 */
export async function mockedImmediate(call: string): Promise<string | undefined> {
  const current = globalThis.setImmediate;
  if (current === LOADED_SET_IMMEDIATE && !/#setImmediate$/.test(current.name)) return undefined;
  let ran = false;
  current(() => {
    ran = true;
  });
  for (let turn = 0; turn < 3 && !ran; turn++) await portTurn();
  if (ran) return undefined;
  return `${call}: setImmediate does not run (node:test's mock.timers.enable() mocks it unless given apis): the library and the bus need the real one; mock only ['setTimeout', 'setInterval', 'Date'], or move time with bus.advance()`;
}

/**
 * Lets the event loop run until `activity()` has not changed for {@link QUIET_TURNS} turns, or
 * until `budgetMs` of real time has passed (then resolves false).
 */
export async function drain(activity: () => number, budgetMs: number): Promise<boolean> {
  const giveUp = performance.now() + budgetMs;
  let last = activity();
  for (let quiet = 0; quiet < QUIET_TURNS;) {
    await turn();
    const now = activity();
    if (now === last) quiet++;
    else {
      last = now;
      quiet = 0;
      if (performance.now() > giveUp) return false;
    }
  }
  return true;
}

/** What is still open in the store: one line per group with entries not yet delivered or still pending. */
export function openGroups(store: MemoryStore): string[] {
  const open: string[] = [];
  for (const key of store.keys.keys()) {
    const value = store.keys.lookup(key);
    if (value?.type !== 'stream' || value.value.groups.size === 0) continue;
    const stream = value.value;
    const last = stream.lastLiveId();
    for (const group of stream.groups.values()) {
      const undelivered = compareIds(group.lastId, last) < 0;
      const pending = group.pel.size;
      if (!undelivered && pending === 0) continue;
      const what = [
        undelivered ? `entries up to ${formatId(last)} not read yet (read up to ${formatId(group.lastId)})` : '',
        pending > 0
          ? `${pending} pending (not acknowledged: handling, waiting for a retry, or on a gone consumer)`
          : '',
      ].filter((w) => w !== '');
      open.push(`group "${group.name}" of stream "${key}": ${what.join('; ')}`);
    }
  }
  return open;
}

/**
 * The in-memory transport: a {@link Transport} whose connections are {@link MemoryPort}s over one
 * {@link MemoryStore}, on the clock the store runs on. Everything above it is the library's own.
 */
import type { Transport } from '../index.js';
import type { TimerClock } from './memory/clock.js';
import { MemoryPort } from './memory/memory-port.js';
import type { MemoryStore } from './memory/store/store.js';

/** What the in-memory transport calls itself in logs and connection stats. */
export const MEMORY_ENDPOINT = 'memory';

/** A transport over `store`: every connection it opens reaches that store; timers run on `clock`. */
export function memoryTransport(store: MemoryStore, clock: TimerClock): Transport {
  return {
    open: (label) => new MemoryPort(store, { label, endpoint: MEMORY_ENDPOINT }),
    describe: 'the in-memory Redis of redis-streamer/testing',
    cluster: false,
    sentinel: false,
    clock,
  };
}

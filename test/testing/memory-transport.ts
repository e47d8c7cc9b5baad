/**
 * Until RedisStreamer takes a transport of its own (the kit's next phase), tests run the library
 * over the in-memory store by swapping the port its Redis sources open: IoredisPort.server returns
 * a MemoryPort instead, for the duration of one test file (each file runs in its own process).
 * Nothing of the library is changed; any URL then reaches the store.
 */
import type { RedisPort } from '../../src/connection/port.js';
import { IoredisPort } from '../../src/connection/ioredis-adapter.js';
import { call } from '../../src/testing/memory/commands/index.js';
import { MemoryPort } from '../../src/testing/memory/memory-port.js';
import type { MemoryStore } from '../../src/testing/memory/store/store.js';
import type { AssertClient } from '../support/topology.js';

/** A URL that reaches the store while the swap is in place (and nothing otherwise). */
export const MEMORY_URL = 'redis://in-memory.invalid:6379';

type ServerFactory = (options: unknown, label: string) => RedisPort;
const swappable = IoredisPort as unknown as { server: ServerFactory };
const original: ServerFactory = swappable.server.bind(IoredisPort);

/** Makes every connection to a single server a connection to `store`; returns the undo. */
export function useMemoryTransport(store: MemoryStore): () => void {
  swappable.server = (_options, label) => new MemoryPort(store, { label, endpoint: 'memory' });
  return () => {
    swappable.server = original;
  };
}

/** An assertion client over the store: `client.xlen(key)` runs XLEN (replies as ioredis gives them). */
export function memoryClient(store: MemoryStore): AssertClient {
  const client = new Proxy(
    {},
    {
      get:
        (_target, name) =>
        (...args: unknown[]): Promise<unknown> => {
          try {
            return Promise.resolve(call(store, String(name).toUpperCase(), ...args.map(String)));
          } catch (err) {
            return Promise.reject(err instanceof Error ? err : new Error(String(err)));
          }
        },
    },
  );
  return client as AssertClient;
}

/**
 * The conformance suite's assertion client over the test kit's in-memory Redis: `client.xlen(key)`
 * runs XLEN there (`bus.redis`), with the replies ioredis would give, so the suite's assertions
 * read the in-memory Redis as they read a server.
 */
import type { TestBus } from '../../src/testing/index.js';
import type { AssertClient } from './topology.js';

/** An ioredis-shaped client whose every command method runs on `bus`. */
export function memoryClient(bus: TestBus): AssertClient {
  const client = new Proxy(
    {},
    {
      get:
        (_target, name) =>
        (...args: Array<string | number>): Promise<unknown> => {
          try {
            return Promise.resolve(bus.redis(String(name).toUpperCase(), ...args));
          } catch (err) {
            return Promise.reject(err instanceof Error ? err : new Error(String(err)));
          }
        },
    },
  );
  return client as AssertClient;
}

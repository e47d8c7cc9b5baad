/**
 * The conformance suite on the in-memory transport: the library's real code (codec, middleware,
 * strategies, dead letters, the consume loop) over MemoryPort and the model of Redis, with the
 * suite's assertions read from the store. An interim fourth topology: once RedisStreamer takes a
 * transport source, it belongs in test/support/topology.ts beside single, cluster and Sentinel.
 */
import { MemoryStore } from '../../src/testing/memory/store/store.js';
import type { Topology } from '../support/topology.js';
import { conformance } from '../conformance/suite.js';
import { MEMORY_URL, memoryClient, useMemoryTransport } from './memory-transport.js';

const store = new MemoryStore();
let undo: (() => void) | undefined;

const memory: Topology = {
  name: 'memory',
  replicas: 0,
  start() {
    undo = useMemoryTransport(store);
    return Promise.resolve();
  },
  stop() {
    undo?.();
    return Promise.resolve();
  },
  source: () => MEMORY_URL,
  client: () => memoryClient(store),
};

conformance(memory);

/**
 * The conformance suite on the test kit's in-memory Redis (redis-streamer/testing): the library's
 * real code over its in-memory transport, the assertions read from the in-memory Redis. Skipped
 * when RS_TOPOLOGIES leaves it out; tests the kit does not model are skipped by name with the
 * reason (MEMORY_UNMODELLED in test/support/topology.ts).
 */
import { describe, it } from 'node:test';
import { memory, requestedTopologies } from '../support/topology.js';
import { conformance } from './suite.js';

if (requestedTopologies().includes('memory')) {
  conformance(memory());
} else {
  describe('conformance: memory', () => {
    it('runs the suite', { skip: `RS_TOPOLOGIES=${process.env['RS_TOPOLOGIES']} leaves out "memory"` }, () => {});
  });
}

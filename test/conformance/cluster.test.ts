/** The conformance suite on a Redis Cluster of 3 primaries with a replica each (skipped when RS_TOPOLOGIES leaves it out). */
import { describe, it } from 'node:test';
import { cluster, requestedTopologies } from '../support/topology.js';
import { conformance } from './suite.js';

if (requestedTopologies().includes('cluster')) {
  conformance(cluster());
} else {
  describe('conformance: cluster', () => {
    it('runs the suite', { skip: `RS_TOPOLOGIES=${process.env['RS_TOPOLOGIES']} leaves out "cluster"` }, () => {});
  });
}

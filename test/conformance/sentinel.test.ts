/** The conformance suite on a primary with a replica watched by three sentinels (skipped when RS_TOPOLOGIES leaves it out). */
import { describe, it } from 'node:test';
import { sentinel, requestedTopologies } from '../support/topology.js';
import { conformance } from './suite.js';

if (requestedTopologies().includes('sentinel')) {
  conformance(sentinel());
} else {
  describe('conformance: sentinel', () => {
    it('runs the suite', { skip: `RS_TOPOLOGIES=${process.env['RS_TOPOLOGIES']} leaves out "sentinel"` }, () => {});
  });
}

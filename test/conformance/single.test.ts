/**
 * The conformance suite against one private redis-server. Topologies named in RS_TOPOLOGIES that
 * test/support/topology.ts does not know yet are listed as skipped, with the reason; known ones
 * other than `single` run from their own test files.
 */
import { describe, it } from 'node:test';
import { knownTopologies, requestedTopologies, singleServer } from '../support/topology.js';
import { conformance } from './suite.js';

const requested = requestedTopologies();
const known = knownTopologies();

if (requested.includes('single')) {
  conformance(singleServer());
} else {
  describe('conformance: single', () => {
    it(
      'runs the suite on one redis-server',
      { skip: `RS_TOPOLOGIES=${process.env['RS_TOPOLOGIES']} leaves out "single"` },
      () => {},
    );
  });
}

for (const name of requested.filter((n) => !known.includes(n))) {
  describe(`conformance: ${name}`, () => {
    it(
      'runs the suite',
      {
        skip: `topology "${name}" (from RS_TOPOLOGIES) is not defined in test/support/topology.ts yet; known: ${known.join(', ')}`,
      },
      () => {},
    );
  });
}

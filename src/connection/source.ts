/**
 * What a connection source gives the streamer: a factory of connections and a transport with its
 * connect timeout (see port-factory.ts, which makes one of a `RedisSource`). Types only.
 */
import type { ConnectionKind, RedisPort } from './port.js';
import type { Transport } from './transport.js';

/** Opens a new connection owned by the caller. */
export type PortFactory = (label: string, connection: ConnectionKind) => RedisPort;

/** What `portFactory` (port-factory.ts) makes of a source: a transport on the system clock, with its connect timeout. */
export type PortSource = Transport & {
  /** How long a call waits for a connection that is not ready (ms): see ready-gate.ts. */
  readonly connectTimeoutMs: number;
};

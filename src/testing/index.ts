/// <reference types="node" preserve="true" />
/**
 * redis-streamer/testing: test handlers and flows without Redis, with the library's own semantics.
 *
 * {@link createTestBus} gives a bus whose streamers are real `RedisStreamer`s over an in-memory
 * Redis (a model of the commands and scripts the library uses, checked against redis-server), on a
 * clock the test controls: `await bus.settled()` runs every message to its end (retries and
 * backoffs included) without sleeping, and the bus records what each service handled, failed and
 * dead-lettered. Only the transport is replaced; the conformance suite of the library runs on it.
 * See docs/testing.md for what the in-memory Redis does not model.
 *
 * @module redis-streamer/testing
 */
export { createTestBus, TestBus, type RecordFilter } from './bus.js';
export type { TestBusOptions } from './bus-options.js';
export { NotSettledError } from './errors.js';
export type { Published } from './published.js';
export type { Handling, Failure, DeadLettered, ReportedError, LoggedWarning } from './records.js';

/// <reference types="node" preserve="true" />
/**
 * redis-streamer/outbox: a transactional outbox for PostgreSQL. Events are written into a table in
 * the same transaction as the service's own writes (`Outbox.enqueue`), and a relay publishes the
 * committed rows to Redis Streams exactly once (`startOutboxRelay`). Works with any client shaped as
 * node-postgres's (`pg` is an optional peer dependency; nothing of it is imported here). Uses only
 * the library's public API. See docs/outbox.md.
 *
 * @module redis-streamer/outbox
 */
export { Outbox, type OutboxOptions, type EnqueueOptions, type OutboxStatement } from './outbox.js';
export type { OutboxValidate } from './rows.js';
export type { OutboxTable } from './table.js';
export type { OutboxQueryable, OutboxPool, OutboxPoolClient, OutboxNotification } from './db.js';
export { startOutboxRelay, type OutboxRelay } from './relay.js';
export type { OutboxRelayOptions, OutboxPublisher } from './relay-options.js';
export type { OutboxRelayStats } from './relay-stats.js';
export type { OutboxStatus, OutboxStatusOptions, OutboxChannelStatus, OutboxFailingRow } from './status.js';
export { renderOutboxPrometheus, type OutboxMetricsInput, type OutboxPrometheusOptions } from './prometheus.js';
export { DatabaseError } from './errors.js';

/**
 * node-postgres's clients fit the outbox's structural types as they are (checked by the type
 * checker: `npm run typecheck` compiles this file), and the subpath's declarations never name pg.
 * A unit test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type pg from 'pg';
import type { OutboxPool, OutboxPoolClient, OutboxQueryable } from '../../src/outbox/index.js';

// Compile-time: a Pool is a relay's db; a Pool, a PoolClient and a Client are enqueue's client.
type Fits<T, U> = T extends U ? true : false;
const checks: [
  Fits<pg.Pool, OutboxPool>,
  Fits<pg.PoolClient, OutboxPoolClient>,
  Fits<pg.Pool, OutboxQueryable>,
  Fits<pg.PoolClient, OutboxQueryable>,
  Fits<pg.Client, OutboxQueryable>,
] = [true, true, true, true, true];

void describe('pg shapes', () => {
  void it('pg.Pool, PoolClient and Client fit the outbox types', () => {
    assert.deepEqual(checks, [true, true, true, true, true]);
  });
});

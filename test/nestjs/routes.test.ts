/**
 * The start-up review of the Nest handlers' patterns (src/nestjs/routes.ts), as a function: on a
 * channel with a contract, the event names are known, so a pattern of an event the contract does
 * not have (a typo) and an event no pattern takes are said at start, where they would otherwise
 * settle (or dead-letter) every such event without a word.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reviewPatterns, type RegisteredPattern } from '../../src/nestjs/routes.js';

/** Nest's route of a pattern object: its keys sorted. */
const route = (pattern: Record<string, string>): string =>
  JSON.stringify(Object.fromEntries(Object.entries(pattern).sort(([a], [b]) => a.localeCompare(b))));

const review = (
  patterns: ReadonlyArray<string | Record<string, string>>,
  channels: readonly string[],
  contracts: Record<string, readonly string[]> = {},
): string[] => {
  const warnings: string[] = [];
  const registered: RegisteredPattern[] = patterns.map((p) => ({
    route: typeof p === 'string' ? p : route(p),
    event: true,
  }));
  reviewPatterns(
    registered,
    channels,
    'settled without a handler',
    (m) => warnings.push(m),
    new Map(Object.entries(contracts)),
  );
  return warnings;
};

const ORDERS = { orders: ['order.created', 'order.paid'] };

describe('reviewPatterns on channels with a contract', () => {
  it('says an event-name pattern no contract has never runs, and which events are left without a handler', () => {
    assert.deepEqual(review(['order.craeted', 'order.paid'], ['orders'], ORDERS), [
      "@EventPattern('order.craeted') never runs: no consumed channel's contract has that event (orders: order.created, order.paid)",
      'events "order.created" of channel "orders" (in its contract) have no @EventPattern: they are settled without a handler',
    ]);
  });

  it('says a { channel, event } pattern of an event its channel does not have never runs', () => {
    assert.deepEqual(
      review(
        [
          { channel: 'orders', event: 'order.payed' },
          { channel: 'orders', event: 'order.created' },
        ],
        ['orders'],
        ORDERS,
      ),
      [
        '@EventPattern({"channel":"orders","event":"order.payed"}) never runs: the contract of channel "orders" has no event "order.payed" (its events: order.created, order.paid)',
        'events "order.paid" of channel "orders" (in its contract) have no @EventPattern: they are settled without a handler',
      ],
    );
  });

  it('is silent when every event has a pattern, or a { channel } pattern takes them all', () => {
    assert.deepEqual(review(['order.created', { channel: 'orders', event: 'order.paid' }], ['orders'], ORDERS), []);
    assert.deepEqual(review([{ channel: 'orders' }], ['orders'], ORDERS), []);
  });

  it('does not call a name a typo while a consumed channel without a contract could have it', () => {
    assert.deepEqual(review(['audit.logged', 'order.created', 'order.paid'], ['orders', 'audit'], ORDERS), []);
  });

  it('keeps the warnings of channels without a contract as they were', () => {
    assert.deepEqual(review([], ['audit']), [
      'channel "audit" is consumed but no @EventPattern takes its events: they are settled without a handler',
    ]);
    assert.deepEqual(review(['anything'], ['audit']), []);
  });
});

import {
  holdCaptured,
  orderPaid,
  paymentFailed,
  paymentRefunded,
  pointsEarned,
  pointsRedeemed,
} from '@redemption/contracts';
import type { Logger, Subscription } from '@redemption/kernel';
import type { Counter as PromCounter } from 'prom-client';
import type { WindowEngine } from './window-engine.ts';

export const analyticsGroup = 'analytics';

/** The topics analytics reads (tests and the parity run give their own). */
export interface AnalyticsTopics {
  orders: string;
  payments: string;
  loyalty: string;
}
export const defaultTopics: AnalyticsTopics = {
  orders: orderPaid.topic,
  payments: paymentFailed.topic,
  loyalty: pointsEarned.topic,
};

/**
 * The consumer group: every event on the three topics moves the watermark; the counted ones are
 * folded into their windows. The kernel runs the handler in the transaction that records the
 * event in its inbox (and, on the pg transport, the group's offset), so window state and
 * consumption commit together: exactly once in effect (decision 020).
 */
export function analyticsSubscription(
  engine: WindowEngine,
  o: { topics: AnalyticsTopics; group: string; log: Logger; counted?: PromCounter<'outcome'> },
): Subscription {
  return {
    group: o.group,
    // Each once: a test may give one topic for all three.
    topics: [...new Set([o.topics.orders, o.topics.payments, o.topics.loyalty])],
    // Every fold locks the one engine row: partitions in parallel would only wait on that
    // lock, each holding a pool connection that requests need (seen as 9 ms per fold and
    // checkouts starved of connections in the checkout bench).
    concurrencyMax: 1,
    // Validated before the handler, so the fold can trust their shapes.
    definitions: [
      orderPaid,
      pointsEarned,
      pointsRedeemed,
      holdCaptured,
      paymentFailed,
      paymentRefunded,
    ],
    handler: async (event, q) => {
      const outcome = await engine.fold(q, event);
      o.counted?.inc({ outcome });
      // An unreadable time can never be placed in a window: fail, so it is retried and then
      // dead-lettered (visible, replayable) rather than silently skipped.
      if (outcome === 'no-time') throw new Error(`event ${event.id} has an unreadable time`);
    },
  };
}

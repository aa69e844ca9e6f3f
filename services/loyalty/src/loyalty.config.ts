import { type ConfigSpecs, int } from '@redemption/kernel';

/**
 * Loyalty's settings: the ledger's batching and queue, lots and holds, rate limits, points for
 * orders. The kernel validates them at start-up when loyalty runs in the process, and lists them
 * in `redemption config` and the README.
 */
export const loyaltyConfig = {
  ledgerBatchMax: {
    name: 'LEDGER_BATCH_MAX',
    default: '256',
    description: 'most ledger operations applied in one database transaction',
    parse: int(1, 5000),
  },
  ledgerBatchWaitMs: {
    name: 'LEDGER_BATCH_WAIT_MS',
    default: '2',
    description: 'longest a ledger operation waits for others to share its batch (ms)',
    parse: int(0, 1000),
  },
  ledgerQueueDepthMax: {
    name: 'LEDGER_QUEUE_DEPTH_MAX',
    default: '10000',
    description: 'ledger operations waiting per process before new ones get 429 + Retry-After',
    parse: int(1, 1_000_000),
  },
  pointsExpiryMonths: {
    name: 'POINTS_EXPIRY_MONTHS',
    default: '24',
    description: 'months after earning that a lot of points expires',
    parse: int(1, 600),
  },
  holdTtlS: {
    name: 'HOLD_TTL_S',
    default: '900',
    description: 'seconds a points hold lasts before it is released by itself',
    parse: int(10, 7 * 86400),
  },
  loyaltyRatePerMemberPerS: {
    name: 'LOYALTY_RATE_PER_MEMBER_PER_S',
    default: '10',
    description: 'ledger writes a member may make per second (burst: twice that); beyond it 429',
    parse: int(1, 1_000_000),
  },
  loyaltyRatePerIpPerS: {
    name: 'LOYALTY_RATE_PER_IP_PER_S',
    default: '200',
    description:
      'ledger writes one client IP may make per second (burst: twice that); beyond it 429',
    parse: int(1, 10_000_000),
  },
  earnPointsPerUnit: {
    name: 'EARN_POINTS_PER_UNIT',
    default: '10',
    description:
      'points earned per whole currency unit paid in cash for an order, before the tier multiplier',
    parse: int(0, 10_000),
  },
  earnReturnWindowDays: {
    name: 'EARN_RETURN_WINDOW_DAYS',
    default: '14',
    description:
      'days after delivery that points earned on an order stay pending (visible, not spendable); a cancellation or refund before then shrinks or voids them',
    parse: int(0, 365),
  },
} satisfies ConfigSpecs;

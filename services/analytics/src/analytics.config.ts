import { type ConfigSpecs, int } from '@redemption/kernel';

/**
 * Analytics' settings: the watermark and lateness of its windows, the idle advance, the live
 * view's clients and how long results are kept. Allowed lateness stays below the 5-minute
 * tumbling size: a late event can then only change a window whose successors have not fired
 * yet, so the trailing hour a window's anomaly score reads is final (decision 020).
 */
export const analyticsConfig = {
  analyticsOutOfOrdernessS: {
    name: 'ANALYTICS_OUT_OF_ORDERNESS_S',
    default: '5',
    description:
      'the watermark trails the newest event time by this many seconds (events may arrive this much out of order without being late)',
    parse: int(0, 600),
  },
  analyticsAllowedLatenessS: {
    name: 'ANALYTICS_ALLOWED_LATENESS_S',
    default: '120',
    description:
      'seconds after the watermark passed a window end that a late event still updates the window (and it is published again); below 300',
    parse: int(0, 299),
  },
  analyticsIdleAdvanceS: {
    name: 'ANALYTICS_IDLE_ADVANCE_S',
    default: '60',
    description:
      'after this many seconds without any event the watermark moves to now minus this, so windows close during a silence (a stalled sale); 0 = only events move it',
    parse: int(0, 86_400),
  },
  analyticsLiveClientsMax: {
    name: 'ANALYTICS_LIVE_CLIENTS_MAX',
    default: '50',
    description: 'open GET /api/analytics/live streams per process; beyond it 503 with Retry-After',
    parse: int(1, 10_000),
  },
  analyticsRetentionDays: {
    name: 'ANALYTICS_RETENTION_DAYS',
    default: '30',
    description: 'days window results are kept (the raw one-minute counters: two days)',
    parse: int(1, 3_650),
  },
} satisfies ConfigSpecs;

import { Type, type Static } from 'typebox';
import { defineEvent } from './define-event.ts';

/** The windows analytics computes (event time, UTC): size and slide. */
export const analyticsWindowKinds = ['tumbling_5m', 'sliding_5m', 'day'] as const;
export type AnalyticsWindowKind = (typeof analyticsWindowKinds)[number];

/**
 * The metrics of a window. Each is one or more rows `(metric, key) → value`:
 * - `events`, `orders`, `points_redeemed`, `points_earned`, `refunds`, `payments_failed`: key '';
 * - `revenue`, `aov`, `refunded`: key = currency, value in minor units (`aov` rounded down);
 * - `orders_by_country`: key = ISO country (`ZZ` when the order event does not say);
 * - `top_product`: key = rank `01`..`10`, value = units, label = product id;
 * - `drop_claims`: key = drop id; `drop_sell_through`: key = drop id, value = permille sold;
 * - `peak_hour`, `peak_hour_orders` (day windows): the UTC hour with most orders, and its orders;
 * - `order_rate_z` (tumbling windows): the orders' z-score against the trailing hour, x100
 *   (truncated), and `anomaly`: 1 when |z| >= 3.
 */
export const analyticsMetrics = [
  'events',
  'orders',
  'revenue',
  'aov',
  'points_redeemed',
  'points_earned',
  'top_product',
  'orders_by_country',
  'drop_claims',
  'drop_sell_through',
  'refunds',
  'refunded',
  'payments_failed',
  'peak_hour',
  'peak_hour_orders',
  'order_rate_z',
  'anomaly',
] as const;
export type AnalyticsMetric = (typeof analyticsMetrics)[number];

/**
 * One row of a window's result. Both engines (the embedded one and the Flink job) publish
 * exactly these rows to `analytics-results`, keyed (CloudEvents `subject`, and the Kafka key)
 * by `window_kind/window_start/metric/key`: the latest message per key is the row's value, so
 * a late event republishes only the rows it changed, and a compacted topic keeps the results.
 */
export const analyticsResultData = Type.Object(
  {
    window_kind: Type.Union(analyticsWindowKinds.map((k) => Type.Literal(k))),
    window_start: Type.String({ format: 'date-time' }),
    window_end: Type.String({ format: 'date-time' }),
    metric: Type.String({ minLength: 1, maxLength: 40 }),
    key: Type.String({ maxLength: 64 }),
    value: Type.Integer(),
    label: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
  },
  { additionalProperties: true },
);
export type AnalyticsResultData = Static<typeof analyticsResultData>;

export const analyticsResult = defineEvent(
  'analytics_result',
  'analytics-results',
  analyticsResultData,
);

export const analyticsEvents = [analyticsResult];

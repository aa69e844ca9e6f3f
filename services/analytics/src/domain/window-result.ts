/**
 * A window's result rows from its summed counters, pure: what both engines publish (the Flink
 * job computes the same rows in SQL; services/analytics/flink/analytics.sql). Rows are sorted by
 * (metric, key) so equal results compare equal.
 */
import type { AnalyticsWindowKind } from '@redemption/contracts';
import type { Counter } from './event-deltas.ts';
import { orderRateScore } from './anomaly.ts';

export interface ResultRow {
  metric: string;
  key: string;
  value: number;
  label: string | null;
}

/** Top products listed per window. */
export const topProductsMax = 10;
/** Scalar metrics: a row (0 when nothing happened) in every window that has any event. */
const scalarMetrics = [
  'events',
  'orders',
  'points_redeemed',
  'points_earned',
  'refunds',
  'payments_failed',
];

export interface WindowExtras {
  /** Day windows: orders per UTC hour of the day (hours without orders may be absent). */
  hourlyOrders?: ReadonlyMap<number, number>;
  /** Tumbling windows: orders of the windows of the trailing hour that had any event. */
  trailingOrders?: readonly number[];
}

const row = (metric: string, key: string, value: number, label: string | null = null) => ({
  metric,
  key,
  value,
  label,
});

export function windowRows(
  kind: AnalyticsWindowKind,
  counters: readonly Counter[],
  extras: WindowExtras = {},
): ResultRow[] {
  const by = (metric: string) => counters.filter((c) => c.metric === metric);
  const scalar = (metric: string) => by(metric).reduce((n, c) => n + c.value, 0);
  const rows: ResultRow[] = scalarMetrics.map((m) => row(m, '', scalar(m)));
  const ordersIn = new Map(by('orders_c').map((c) => [c.key, c.value]));
  for (const r of by('revenue')) {
    rows.push(row('revenue', r.key, r.value));
    const n = ordersIn.get(r.key) ?? 0;
    if (n > 0) rows.push(row('aov', r.key, Math.floor(r.value / n)));
  }
  for (const c of by('refunded')) rows.push(row('refunded', c.key, c.value));
  for (const c of by('orders_by_country')) rows.push(row('orders_by_country', c.key, c.value));
  rows.push(...topProducts(by('product_units')), ...dropRows(counters));
  if (kind === 'day' && extras.hourlyOrders) rows.push(...peakHour(extras.hourlyOrders));
  if (kind === 'tumbling_5m' && extras.trailingOrders) {
    const score = orderRateScore(scalar('orders'), extras.trailingOrders);
    if (score)
      rows.push(row('order_rate_z', '', score.zCenti), row('anomaly', '', score.anomaly ? 1 : 0));
  }
  return sortRows(rows);
}

/** Most units first; ties by product id, so both engines rank alike. */
function topProducts(units: readonly Counter[]): ResultRow[] {
  return units
    .filter((c) => c.value > 0)
    .sort((a, b) => b.value - a.value || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, topProductsMax)
    .map((c, i) => row('top_product', String(i + 1).padStart(2, '0'), c.value, c.key));
}

function dropRows(counters: readonly Counter[]): ResultRow[] {
  const of = (metric: string, drop: string) =>
    counters.find((c) => c.metric === metric && c.key === drop)?.value;
  const rows: ResultRow[] = [];
  for (const c of counters.filter((x) => x.metric === 'drop_claims')) {
    rows.push(row('drop_claims', c.key, c.value));
    const sold = of('drop_sold', c.key);
    const quantity = of('drop_quantity', c.key);
    if (sold !== undefined && quantity !== undefined && quantity > 0)
      rows.push(row('drop_sell_through', c.key, Math.floor((sold * 1000) / quantity)));
  }
  return rows;
}

/** The hour with most orders (the earliest of equals) and its orders; none without orders. */
export function peakHour(hourly: ReadonlyMap<number, number>): ResultRow[] {
  let best: [number, number] | undefined;
  for (const [hour, orders] of [...hourly].sort((a, b) => a[0] - b[0]))
    if (orders > 0 && (!best || orders > best[1])) best = [hour, orders];
  return best ? [row('peak_hour', '', best[0]), row('peak_hour_orders', '', best[1])] : [];
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
export const sortRows = (rows: ResultRow[]): ResultRow[] =>
  rows.sort((a, b) => cmp(a.metric, b.metric) || cmp(a.key, b.key));

/** The rows of `next` that are new or differ from `prev` (what a revision publishes). */
export function changedRows(prev: readonly ResultRow[], next: readonly ResultRow[]): ResultRow[] {
  const before = new Map(prev.map((r) => [`${r.metric}\u0000${r.key}`, r]));
  return next.filter((r) => {
    const p = before.get(`${r.metric}\u0000${r.key}`);
    return !p || p.value !== r.value || p.label !== r.label;
  });
}

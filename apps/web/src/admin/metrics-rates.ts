import type { paths } from '../api/schema.gen.ts';

export type MetricsSample =
  paths['/api/admin/metrics']['get']['responses'][200]['content']['application/json'] & {
    dropSold: number;
    dropQuantity: number;
  };

export interface RatePoint {
  /** Unix seconds (uPlot's x axis). */
  t: number;
  ordersPerMin: number;
  redemptionsPerS: number;
  rejectedPct: number;
  p99Ms: number;
  sellThroughPct: number;
}

/**
 * p99 of the requests between two samples, from cumulative histogram buckets: the smallest
 * bucket bound holding 99% of the new observations (Prometheus's histogram_quantile, without
 * interpolation). 0 when nothing was served.
 */
export function windowedP99Ms(
  before: MetricsSample['latency_buckets'],
  after: MetricsSample['latency_buckets'],
): number {
  const prev = new Map(before.map((b) => [b.le, b.count]));
  const deltas = after.map((b) => ({ le: b.le, count: b.count - (prev.get(b.le) ?? 0) }));
  const total = deltas[deltas.length - 1]?.count ?? 0;
  if (total <= 0) return 0;
  const bound = deltas.find((b) => b.count >= total * 0.99)?.le ?? 0;
  return bound * 1000;
}

/** Rates between two samples of the counters (a counter reset reads as zero, not negative). */
export function rates(a: MetricsSample, b: MetricsSample): RatePoint {
  const dtS = Math.max(0.001, (Date.parse(b.at) - Date.parse(a.at)) / 1000);
  const d = (x: number, y: number): number => Math.max(0, y - x);
  const requests = d(a.requests_total, b.requests_total);
  return {
    t: Date.parse(b.at) / 1000,
    ordersPerMin: (d(a.orders_created, b.orders_created) / dtS) * 60,
    redemptionsPerS: d(a.redemptions, b.redemptions) / dtS,
    rejectedPct: requests === 0 ? 0 : (d(a.requests_429, b.requests_429) / requests) * 100,
    p99Ms: windowedP99Ms(a.latency_buckets, b.latency_buckets),
    sellThroughPct: b.dropQuantity === 0 ? 0 : (b.dropSold / b.dropQuantity) * 100,
  };
}

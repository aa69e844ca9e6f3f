/**
 * The order-rate anomaly, pure: a tumbling window's orders against the trailing hour's windows
 * as a z-score. A flash sale that stalls scores far below zero, a fraud spike far above.
 *
 * The arithmetic is spelled out (integer sums, then doubles, population variance, truncation)
 * because the Flink job computes the same number in SQL and the two must agree to the digit.
 */

/** Tumbling windows in the trailing hour. */
export const trailingWindowsMax = 12;
/** Fewer trailing windows than this: no score (too little history to call anything odd). */
export const trailingWindowsMin = 3;
/** |z| at or above this flags the window. */
export const anomalyZ = 3;
/**
 * The standard deviation is taken as at least one order per window, so a perfectly flat or
 * quiet hour (0, 0, 0) does not turn one order into an "anomaly" of infinite z.
 */
export const stdFloorOrders = 1;

export interface OrderRateScore {
  /** z x 100, truncated toward zero. */
  zCenti: number;
  anomaly: boolean;
}

export function orderRateScore(orders: number, trailing: readonly number[]): OrderRateScore | null {
  const n = trailing.length;
  if (n < trailingWindowsMin) return null;
  let sum = 0;
  let sumSq = 0;
  for (const x of trailing) {
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  const variance = sumSq / n - mean * mean;
  const std = Math.max(Math.sqrt(Math.max(variance, 0)), stdFloorOrders);
  const z = (orders - mean) / std;
  return { zCenti: Math.trunc(z * 100), anomaly: Math.abs(z) >= anomalyZ };
}

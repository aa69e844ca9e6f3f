import type { Queryable } from '@redemption/kernel';
import { keptBasePoints } from '../domain/order-earnings.ts';

export interface PendingEarningView {
  order_id: string;
  points: number;
  release_at: string | null;
}

/** Pending earnings a member has in all, before any tier bonus; a member has at most this many. */
const pendingEarningsScanMax = 10_000;

/**
 * A member's pending order points: what the cash still kept is worth, as the worker will earn it
 * (domain/order-earnings.ts). The total is bounded by the scan limit, far above real use.
 */
export async function pendingEarnings(
  q: Queryable,
  memberId: string,
  shownMax: number,
): Promise<{ pending: number; pending_earnings: PendingEarningView[] }> {
  const { rows } = await q.query<{
    order_id: string;
    base_points: string | number;
    cash_amount: string | number;
    refunded_cash: string | number;
    release_at: Date | null;
  }>(
    `SELECT order_id, base_points, cash_amount, refunded_cash, release_at
     FROM loyalty.order_earnings WHERE member_id = $1 AND status = 'pending'
     ORDER BY release_at NULLS LAST, created_at LIMIT $2`,
    [memberId, pendingEarningsScanMax],
  );
  const views = rows
    .map((r) => ({
      order_id: r.order_id,
      points: keptBasePoints({
        cashAmount: Number(r.cash_amount),
        refundedCash: Number(r.refunded_cash),
        basePoints: Number(r.base_points),
      }),
      release_at: r.release_at?.toISOString() ?? null,
    }))
    .filter((v) => v.points > 0);
  return {
    pending: views.reduce((sum, v) => sum + v.points, 0),
    pending_earnings: views.slice(0, shownMax),
  };
}

/**
 * Points earned on an order, pure.
 *
 * They stay *pending* (visible, not spendable) from `order_paid` until the order is delivered
 * and its return window has passed; only then are they earned in the ledger, on the cash still
 * kept at that moment. A cancellation or refund before then shrinks or voids the pending points
 * and nothing has to be taken back, so no sequence of member actions (earn, spend, cancel) can
 * leave a member with points for money that was returned. See docs/decisions/006.
 */

export interface PendingEarning {
  /** Minor units the member paid in cash. */
  cashAmount: number;
  /** Minor units refunded so far (cancellations and refunds), never above cashAmount. */
  refundedCash: number;
  /** Points for the whole cash amount, before the tier multiplier. */
  basePoints: number;
}

/** Days after delivery that earned points stay pending (the return window), at most. */
export const returnWindowDaysMax = 365;
const msPerDay = 86_400_000;

function assertAmounts(e: PendingEarning): void {
  if (!(e.cashAmount > 0 && e.refundedCash >= 0 && e.refundedCash <= e.cashAmount))
    throw new Error(`order earning amounts out of range: ${JSON.stringify(e)}`);
}

/**
 * Base points for the cash still kept, rounded down: floor(base × kept / cash). Computed in
 * BigInt because base × cash can pass 2^53 (both can reach 10^11).
 */
export function keptBasePoints(e: PendingEarning): number {
  assertAmounts(e);
  const kept = BigInt(e.cashAmount - e.refundedCash);
  return Number((BigInt(e.basePoints) * kept) / BigInt(e.cashAmount));
}

/** When pending points become spendable: the delivery time plus the return window. */
export function releaseAt(deliveredAt: Date, returnWindowDays: number): Date {
  if (!Number.isInteger(returnWindowDays) || returnWindowDays < 0)
    throw new Error(`return window must be a whole number of days: ${returnWindowDays}`);
  return new Date(
    deliveredAt.getTime() + Math.min(returnWindowDays, returnWindowDaysMax) * msPerDay,
  );
}

/**
 * Orders, pure: the status machine, pricing (totals, points vs cash) and the proportional
 * refund split. No I/O; the app layer loads and stores what these functions decide.
 */
import type { OrderStatus } from '@redemption/contracts';

// The statuses are part of the public order resource (@redemption/contracts); the rules are here.
export { orderStatuses, type OrderStatus } from '@redemption/contracts';

/**
 * pending → processing (paid) → shipped → delivered; cancelled from pending or processing;
 * refunded (all the cash back, by refunds rather than a cancel) from any paid status. Cancelled
 * and refunded are terminal: nothing is shipped that is no longer paid for.
 */
const transitions: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['processing', 'cancelled'],
  processing: ['shipped', 'cancelled', 'refunded'],
  shipped: ['delivered', 'refunded'],
  delivered: ['refunded'],
  cancelled: [],
  refunded: [],
};

export const canTransition = (from: OrderStatus, to: OrderStatus): boolean =>
  transitions[from].includes(to);

/** Statuses in which the order has been paid (money and points taken). */
export const paidStatuses: readonly OrderStatus[] = ['processing', 'shipped', 'delivered'];

export const limits = {
  itemsMax: 50,
  quantityMax: 100,
  /** Largest order total (minor units): keeps every amount inside a PostgreSQL `integer`. */
  orderTotalMaxMinor: 1_000_000_000,
  pointsToUseMax: 1_000_000_000,
  paymentTokenLengthMax: 255,
  addressNameLengthMax: 200,
  addressLineLengthMax: 200,
  cityLengthMax: 100,
  postalCodeLengthMax: 20,
  pageSizeMax: 100,
  refundReasonLengthMax: 500,
  pageSizeDefault: 20,
} as const;

/** A raw card number (PAN) is 13–19 digits, possibly grouped by spaces or dashes. */
export function looksLikeCardNumber(token: string): boolean {
  return /^[0-9][0-9 -]{11,40}[0-9]$/.test(token) && /^\d{13,19}$/.test(token.replace(/[ -]/g, ''));
}

export interface PricedLine {
  productId: string;
  productName: string;
  /** Minor units, as the catalog priced it at order time. */
  unitPrice: number;
  currency: string;
  quantity: number;
}

export interface Pricing {
  currency: string;
  totalAmount: number;
  pointsUsed: number;
  /** Minor units the points pay for. */
  pointsValue: number;
  /** Minor units charged to the card. */
  cashAmount: number;
}

export type PricingProblem =
  | { problem: 'mixed-currencies'; currencies: string[] }
  | { problem: 'order-total-too-large'; totalMax: number }
  | { problem: 'points-exceed-total'; pointsMax: number };

/** Totals an order and splits it into points and cash; every amount an integer of minor units. */
export function priceOrder(
  lines: readonly PricedLine[],
  pointsToUse: number,
  pointValueMinor: number,
): Pricing | PricingProblem {
  const currencies = [...new Set(lines.map((l) => l.currency))];
  if (currencies.length !== 1) return { problem: 'mixed-currencies', currencies };
  let total = 0;
  for (const l of lines) total += l.unitPrice * l.quantity;
  if (!Number.isSafeInteger(total) || total > limits.orderTotalMaxMinor)
    return { problem: 'order-total-too-large', totalMax: limits.orderTotalMaxMinor };
  const pointsValue = pointsToUse * pointValueMinor;
  if (pointsValue > total)
    return { problem: 'points-exceed-total', pointsMax: Math.floor(total / pointValueMinor) };
  return {
    currency: currencies[0]!,
    totalAmount: total,
    pointsUsed: pointsToUse,
    pointsValue,
    cashAmount: total - pointsValue,
  };
}

export interface RefundState {
  cashAmount: number;
  pointsUsed: number;
  refundedCash: number;
  reversedPoints: number;
}

export interface RefundSplit {
  cash: number;
  points: number;
  /** Everything is back: the stock returns too. */
  full: boolean;
}

export type RefundProblem =
  { problem: 'nothing-to-refund' } | { problem: 'refund-exceeds-remaining'; remaining: number };

/**
 * How much cash and how many points a refund of `amount` (default: all the cash left) gives back.
 * Points follow the cash in proportion, computed on the running total so that rounding never
 * accumulates: after refunds totalling R of cash C, floor(P × R / C) points are back in all
 * (rounding down favours the programme on a partial refund), and a full refund returns exactly
 * P. An order paid with points only has no cash to split: its refund returns all the points.
 */
export function splitRefund(s: RefundState, amount?: number): RefundSplit | RefundProblem {
  const cashLeft = s.cashAmount - s.refundedCash;
  const pointsLeft = s.pointsUsed - s.reversedPoints;
  if (cashLeft === 0 && pointsLeft === 0) return { problem: 'nothing-to-refund' };
  const cash = amount ?? cashLeft;
  if (cash > cashLeft) return { problem: 'refund-exceeds-remaining', remaining: cashLeft };
  if (s.cashAmount === 0) return { cash: 0, points: pointsLeft, full: true };
  if (cash === 0) return { problem: 'nothing-to-refund' };
  const refundedAfter = s.refundedCash + cash;
  const full = refundedAfter === s.cashAmount;
  const pointsBackInAll = full
    ? s.pointsUsed
    : Number((BigInt(s.pointsUsed) * BigInt(refundedAfter)) / BigInt(s.cashAmount));
  return { cash, points: pointsBackInAll - s.reversedPoints, full };
}

/**
 * Payments' pure rules: amounts, refunds, card-data hygiene. No I/O here (tools/check-boundaries.ts).
 */
import type {
  ChargeRequest,
  Payment as PaymentResource,
  PaymentProvider,
  PaymentStatus,
  Refund,
} from '@redemption/contracts';

/** Largest charge in minor units (1,000,000.00 in a two-decimal currency). */
export const amountMinorMax = 100_000_000;
export const tokenLengthMax = 255;
export const refundReasonLengthMax = 200;

export type { ChargeRequest, PaymentStatus } from '@redemption/contracts';
export type ProviderName = PaymentProvider;
export type DeclineCode = 'card_declined' | 'insufficient_funds';
export type Card = NonNullable<PaymentResource['card']>;

/** A payment as stored: the resource of @redemption/contracts with its time as a Date. */
export type Payment = Omit<PaymentResource, 'created_at'> & { created_at: Date };

/** A refund as stored (the resource without the payment it changed). */
export type RefundRecord = Omit<Refund, 'payment' | 'created_at'> & { created_at: Date };

/** Primary account numbers are 13-19 digits; people type them with spaces or dashes. */
const panPattern = /^\d{13,19}$/;

/**
 * True when `token` looks like a raw card number. We only take provider tokens: a PAN must never
 * reach our logs, database or provider calls (PCI DSS scope), so it is refused before anything.
 */
export function looksLikePan(token: string): boolean {
  return panPattern.test(token.replace(/[\s-]/g, ''));
}

/** What a second `process` for an order that already has a payment should answer. */
export function sameOrderVerdict(
  existing: Pick<Payment, 'amount' | 'currency' | 'member_id'>,
  req: Pick<ChargeRequest, 'amount' | 'currency' | 'member_id'>,
): 'replay' | 'conflict' {
  return existing.amount === req.amount &&
    existing.currency === req.currency &&
    existing.member_id === req.member_id
    ? 'replay'
    : 'conflict';
}

export const refundableOf = (p: Pick<Payment, 'amount' | 'refunded_amount'>): number =>
  p.amount - p.refunded_amount;

/** The refund to make: all that is left unless `requested` is given. Null when it exceeds. */
export function refundAmount(
  p: Pick<Payment, 'amount' | 'refunded_amount'>,
  requested: number | undefined,
): number | null {
  const left = refundableOf(p);
  const amount = requested ?? left;
  if (amount < 1 || amount > left) return null;
  return amount;
}

export function statusAfterRefund(amount: number, refundedAmount: number): PaymentStatus {
  if (refundedAmount <= 0) return 'succeeded';
  return refundedAmount >= amount ? 'refunded' : 'partially_refunded';
}

import { conflict, ProblemError, unprocessable } from '@redemption/kernel';
import type { DeclineCode } from '../domain/payment.ts';

/** The problems payments answers with; `type` slugs are part of the contract (payments.client.ts). */
export const paymentDeclined = (code: DeclineCode): ProblemError =>
  new ProblemError(402, 'payment-declined', 'Payment declined', `The card was declined (${code})`, {
    decline_code: code,
  });

export const providerError = (): ProblemError =>
  new ProblemError(
    502,
    'payment-provider-error',
    'Payment provider error',
    'The payment provider failed; nothing was charged. Retrying with the same Idempotency-Key is safe',
    { retryable: true },
  );

export const invalidToken = (): ProblemError =>
  unprocessable('invalid-token', 'The payment provider does not know this token', {
    errors: [{ field: 'body.token', message: 'is not a known payment token' }],
  });

export const rawCardData = (): ProblemError =>
  unprocessable(
    'raw-card-data',
    'Send a payment token from the provider, never a card number; the number was not stored',
    { errors: [{ field: 'body.token', message: 'looks like a card number' }] },
  );

/** The outcome is not known yet (a charge in flight, the provider not answering): retry later. */
export const paymentInProgress = (): ProblemError =>
  conflict('payment-in-progress', 'A payment for this order is being processed; retry shortly');

/** Definite: the order was voided (its checkout undone or cancelled) and is never charged. */
export const orderVoided = (): ProblemError =>
  conflict('order-voided', 'This order was cancelled; it is not charged any more');

export const orderAlreadyPaid = (paymentId: string): ProblemError =>
  conflict(
    'order-already-paid',
    'This order already has a payment with a different amount, currency or member',
    { payment_id: paymentId },
  );

export const refundExceeds = (refundable: number): ProblemError =>
  unprocessable('refund-exceeds-payment', `At most ${refundable} can still be refunded`, {
    refundable,
    errors: [{ field: 'body.amount', message: `must be at most ${refundable}` }],
  });
